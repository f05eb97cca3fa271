import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError, DataDirLock } from './data-dir-lock.js';

function folder(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'pulse-lock-')), 'pglite');
  mkdirSync(dir);
  return dir;
}

describe('DataDirLock', () => {
  it('writes our pid next to the folder and removes it on release', () => {
    const lock = new DataDirLock(folder());
    lock.acquire();
    expect(readFileSync(lock.lockPath, 'utf8')).toBe(String(process.pid));
    lock.release();
    expect(existsSync(lock.lockPath)).toBe(false);
  });

  it('refuses a folder whose lock belongs to a live process, naming it', async () => {
    const dir = folder();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)']);
    try {
      writeFileSync(`${dir}.lock`, String(other.pid));
      const lock = new DataDirLock(dir);
      expect(() => lock.acquire()).toThrow(DataDirInUseError);
      expect(() => lock.acquire()).toThrow(new RegExp(`in use by process ${other.pid}`));
    } finally {
      other.kill('SIGKILL');
    }
  });

  it("takes over a dead owner's lock and clears PGlite's stale postmaster.pid", async () => {
    const dir = folder();
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => dead.on('exit', r));
    writeFileSync(`${dir}.lock`, String(dead.pid));
    writeFileSync(join(dir, 'postmaster.pid'), '-42\n');
    const lock = new DataDirLock(dir);
    lock.acquire();
    expect(readFileSync(lock.lockPath, 'utf8')).toBe(String(process.pid));
    expect(existsSync(join(dir, 'postmaster.pid'))).toBe(false);
    lock.release();
  });

  it('keeps postmaster.pid when the folder is in use', () => {
    const dir = folder();
    writeFileSync(join(dir, 'postmaster.pid'), '-42\n');
    const first = new DataDirLock(dir);
    first.acquire();
    writeFileSync(join(dir, 'postmaster.pid'), '-42\n');
    writeFileSync(first.lockPath, String(process.ppid));
    expect(() => new DataDirLock(dir).acquire()).toThrow(DataDirInUseError);
    expect(existsSync(join(dir, 'postmaster.pid'))).toBe(true);
  });
});
