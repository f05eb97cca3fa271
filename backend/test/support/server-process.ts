import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './built-server.mjs';

export { freePort };

const BACKEND = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(BACKEND, 'dist', 'main.js');

export interface BuiltServer {
  proc: ChildProcess;
  pid: number;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True once the process has exited, for checks that must not wait. */
  gone: () => boolean;
}

/** Builds dist/ so the suite runs what production runs; type errors still emit JavaScript. */
export async function buildBackend(): Promise<void> {
  await promisify(execFile)(
    process.execPath,
    [join(BACKEND, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: BACKEND,
    },
  ).catch((err: Error & { stdout?: string }) => {
    if (!existsSync(MAIN)) throw new Error(`build failed:\n${err.stdout ?? err.message}`);
  });
}

/** `node dist/main.js` as a child process, so a crash is an exit the test can see. */
export async function spawnBuiltServer(env: Record<string, string>): Promise<BuiltServer> {
  const port = await freePort();
  const proc = spawn(process.execPath, [MAIN], {
    cwd: BACKEND,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      DEMO_MODE: 'false',
      LOG_LEVEL: 'warn',
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let gone = false;
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) =>
    proc.on('exit', (code, signal) => {
      gone = true;
      ok({ code, signal });
    }),
  );
  return { proc, pid: proc.pid!, url: `http://127.0.0.1:${port}`, output: () => out, exited, gone: () => gone };
}

export async function waitReady(server: BuiltServer, timeoutMs = 45_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (server.gone()) throw new Error(`server exited before it was ready:\n${server.output()}`);
    try {
      const res = await fetch(`${server.url}/health/ready`, { signal: AbortSignal.timeout(3000) });
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server not ready after ${timeoutMs} ms:\n${server.output()}`);
}

/** Polls `check` until it holds (a condition, not a fixed sleep), or fails after `timeoutMs`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
