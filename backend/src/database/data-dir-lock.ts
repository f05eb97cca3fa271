import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export class DataDirInUseError extends Error {}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite takes no lock of its own, so two processes on one folder both open it and
 * corrupt it; and after a crash it leaves a postmaster.pid (holding -42) that makes
 * the next open hang. This lock (`<dir>.lock`, holding our pid) guards the folder and
 * clears what a dead owner left behind.
 */
export class DataDirLock {
  readonly lockPath: string;
  private held = false;

  constructor(readonly dataDir: string) {
    this.lockPath = `${resolve(dataDir)}.lock`;
  }

  acquire(): void {
    mkdirSync(dirname(this.lockPath), { recursive: true });
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        writeFileSync(this.lockPath, String(process.pid), { flag: 'wx' });
        this.held = true;
        // Only now, as the folder's sole owner, is PGlite's leftover pid file safe to remove.
        rmSync(join(this.dataDir, 'postmaster.pid'), { force: true });
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = Number.parseInt(readFileSync(this.lockPath, 'utf8').trim(), 10);
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new DataDirInUseError(
          `The embedded database folder ${resolve(this.dataDir)} is in use by process ${owner}. ` +
            `Stop that process, or set PGLITE_DATA_DIR to another folder.`,
        );
      }
      rmSync(this.lockPath, { force: true });
    }
    throw new DataDirInUseError(`Could not lock ${this.lockPath}; another process keeps taking it.`);
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    try {
      if (readFileSync(this.lockPath, 'utf8').trim() === String(process.pid)) rmSync(this.lockPath, { force: true });
    } catch {
      // Already gone.
    }
  }
}
