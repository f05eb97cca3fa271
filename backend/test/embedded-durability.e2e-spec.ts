import {
  BACKEND_DIR,
  BACKEND_MAIN as MAIN,
  buildBackend,
  type BuiltServer,
  newUserId,
  signToken,
  spawnBuiltServer,
  TEST_SECRET,
  TEST_SERVER_ENV,
  waitReady,
} from '@pulse/testkit';
import { jest } from '@jest/globals';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pgliteTemplate, TEST_DB } from './support/test-database.js';

// Each case starts the built server once or twice; a first start on a new folder runs initdb.
jest.setTimeout(60_000);

type Server = BuiltServer;

/** `node dist/main.js` on an embedded database folder, as a user would run it in production. */
const spawnServer = (dataDir: string): Promise<Server> =>
  spawnBuiltServer({
    cwd: BACKEND_DIR,
    env: { ...TEST_SERVER_ENV, PGLITE_DATA_DIR: dataDir, JWT_SECRET_KEY: TEST_SECRET, AUTO_PROVISION_USERS: 'true' },
  });

async function startServer(dataDir: string): Promise<Server> {
  return waitReady(await spawnServer(dataDir));
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<T>((_, no) => (timer = setTimeout(() => no(new Error(`${what}: no result in ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('embedded database folder: lock, crash recovery and durability (built server)', () => {
  let root: string;
  let dataDir: string;
  let lockPath: string;
  const running = new Set<Server>();

  const track = (s: Server) => {
    running.add(s);
    void s.exited.then(() => running.delete(s));
    return s;
  };

  beforeAll(async () => {
    // The built server is what runs in production, so it is what this suite exercises.
    await buildBackend();
    expect(statSync(MAIN).isFile()).toBe(true);

    // A copy of the migrated template spares a multi-second initdb, whichever database the other suites use.
    root = mkdtempSync(join(tmpdir(), 'pulse-durability-'));
    dataDir = join(root, 'pglite');
    cpSync(await pgliteTemplate(), dataDir, { recursive: true });
    lockPath = `${resolve(dataDir)}.lock`;
  }, 120_000);

  afterAll(async () => {
    for (const s of running) s.child.kill('SIGKILL');
    await Promise.all([...running].map((s) => s.exited));
    rmSync(root, { recursive: true, force: true });
  });

  // The cases run in order on one folder and hand the running server on: a server start
  // costs seconds here, and the sequence is the life of a real deployment.
  let current: Server | undefined;
  const runningServer = () => {
    if (!current) throw new Error('no server left running by the previous case');
    return current;
  };

  it('refuses a second server on a folder in use, within seconds, naming the owner pid', async () => {
    const owner = track(await startServer(dataDir));
    current = owner;
    expect(readFileSync(lockPath, 'utf8').trim()).toBe(String(owner.pid));

    const started = Date.now();
    const second = track(await spawnServer(dataDir));
    const { code } = await withTimeout(second.exited, 15_000, 'second server');
    const elapsed = Date.now() - started;

    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(second.output()).toContain(`in use by process ${owner.pid}`);
    expect(second.output()).toContain(resolve(dataDir));
    expect(elapsed).toBeLessThan(10_000);

    // The first server is untouched and still owns the folder.
    expect((await fetch(`${owner.url}/health/ready`)).status).toBe(200);
    expect(readFileSync(lockPath, 'utf8').trim()).toBe(String(owner.pid));
  });

  /** SIGKILLs the server (during `whileKilling` if given), then checks what it left and starts a new one. */
  async function crashAndRestart(whileKilling?: (server: Server) => Promise<void>): Promise<Server> {
    const server = runningServer();
    current = undefined;
    if (whileKilling) await whileKilling(server);
    else server.child.kill('SIGKILL');
    expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(isAlive(server.pid)).toBe(false);
    // What a crash leaves behind: our lock holding the dead pid, and PGlite's pid file, which
    // would make the next open hang if nothing cleared it.
    expect(readFileSync(lockPath, 'utf8').trim()).toBe(String(server.pid));
    expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(true);

    const next = track(await startServer(dataDir));
    current = next;
    expect(readFileSync(lockPath, 'utf8').trim()).toBe(String(next.pid));
    return next;
  }

  if (TEST_DB === 'pglite') {
    it('keeps every acknowledged write after kill -9 mid-writing, and restarts despite the stale lock', async () => {
      const userId = newUserId();
      const auth = { Authorization: `Bearer ${await signToken(userId, { expiresIn: '1h' })}` };
      const acknowledged: { id: string; title: string }[] = [];

      const restarted = await crashAndRestart(async (server) => {
        const KILL_AFTER = 40;
        let killed = false;
        for (let i = 0; ; i++) {
          const title = `write ${i}`;
          const pending = fetch(`${server.url}/api/chat/sessions`, {
            method: 'POST',
            headers: { ...auth, 'content-type': 'application/json' },
            body: JSON.stringify({ title }),
            signal: AbortSignal.timeout(10_000),
          });
          if (acknowledged.length === KILL_AFTER && !killed) {
            // Kill while this write is in flight: it may or may not have committed, but every
            // write acknowledged before it must survive.
            killed = true;
            setTimeout(() => server.child.kill('SIGKILL'), i % 3);
          }
          try {
            const res = await pending;
            if (res.status !== 201) throw new Error(`write ${i} answered ${res.status}: ${await res.text()}`);
            acknowledged.push({ id: ((await res.json()) as { id: string }).id, title });
          } catch (err) {
            if (!killed) throw err;
            break;
          }
          if (i > KILL_AFTER + 50) throw new Error('the server kept answering after SIGKILL');
        }
        expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER);
      });

      for (const { id, title } of acknowledged) {
        const res = await fetch(`${restarted.url}/api/chat/sessions/${id}`, { headers: auth });
        expect({ id, status: res.status }).toEqual({ id, status: 200 });
        expect(((await res.json()) as { title: string }).title).toBe(title);
      }
      const list = (await (await fetch(`${restarted.url}/api/chat/sessions?limit=100`, { headers: auth })).json()) as {
        data: { id: string }[];
      };
      const listed = new Set(list.data.map((s) => s.id));
      expect(acknowledged.filter((a) => !listed.has(a.id))).toEqual([]);
      // At most the one in-flight write may have landed without an answer.
      expect(list.data.length - acknowledged.length).toBeGreaterThanOrEqual(0);
      expect(list.data.length - acknowledged.length).toBeLessThanOrEqual(1);
    });
  } else {
    // With PULSE_TEST_DB=postgres the data durability belongs to Postgres; the folder lock is still ours.
    it('restarts after kill -9 despite the stale lock', async () => {
      const restarted = await crashAndRestart();
      expect((await fetch(`${restarted.url}/health/ready`)).status).toBe(200);
    });
  }

  it('exits 0 on SIGTERM and removes its lock', async () => {
    const server = runningServer();
    current = undefined;
    expect(existsSync(lockPath)).toBe(true);
    server.child.kill('SIGTERM');
    expect(await withTimeout(server.exited, 15_000, 'SIGTERM')).toEqual({ code: 0, signal: null });
    expect(existsSync(lockPath)).toBe(false);
  });
});
