// One harness for every test and benchmark that runs the built server as a user would:
// `node backend/dist/main.js` on a free port, waited for until it answers, a throwaway Postgres
// database, and HAProxy in front of several servers (the shipped config). Used by the backend's
// built-server specs, widget/e2e/harness.mjs and bench/.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { eventually, Hopeless } from './eventually.mjs';

export const BACKEND_DIR = fileURLToPath(new URL('../backend/', import.meta.url));
export const BACKEND_MAIN = join(BACKEND_DIR, 'dist', 'main.js');
const SHIPPED_HAPROXY = new URL('../docker/haproxy.cfg', import.meta.url);

/** What a backend spec's server runs with unless it says otherwise: quiet, no demo answers. */
export const TEST_SERVER_ENV = { NODE_ENV: 'test', DEMO_MODE: 'false', LOG_LEVEL: 'warn' };

/** Builds backend/dist so a suite runs what production runs; type errors still emit JavaScript. */
export async function buildBackend() {
  const tsc = join(BACKEND_DIR, 'node_modules/typescript/bin/tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: BACKEND_DIR }).catch((err) => {
    if (!existsSync(BACKEND_MAIN)) throw new Error(`build failed:\n${err.stdout ?? err.message}`);
  });
}

/**
 * A port nobody listens on right now, below Linux's ephemeral range (32768-60999): a port the OS
 * hands out there can be taken by any outgoing connection (to Postgres, Redis, the upstream)
 * between this check and the server's listen, which then fails with EADDRINUSE.
 */
export async function freePort() {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const srv = createServer();
    const free = await new Promise((resolve) => {
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!free) continue;
    await new Promise((resolve) => srv.close(resolve));
    return port;
  }
}

/**
 * Spawns the built server on a free port with `env` (plus PATH and HOME; nothing else leaks in).
 * Its output is collected unless `stdio` says otherwise; `stop()` asks with SIGTERM, then kills.
 */
export async function spawnBuiltServer({ env, main = BACKEND_MAIN, cwd, nodeArgs = [] }) {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, main], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HOST: '127.0.0.1', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    pid: child.pid,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    exited,
    running,
    async stop(graceMs = 5000) {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `path` until it answers 2xx; fails at once with the output if the server exits first. */
export async function waitReady(server, { path = '/health/ready', timeoutMs = 45_000 } = {}) {
  try {
    await eventually(
      `${server.url}${path} answering 2xx`,
      async () => {
        if (!server.running()) throw new Hopeless('the server exited before it was ready');
        return (await fetch(`${server.url}${path}`, { signal: AbortSignal.timeout(2000) })).ok;
      },
      { timeoutMs, intervalMs: 100 },
    );
  } catch (err) {
    throw new Error(`${err.message}\n${server.output()}`, { cause: err });
  }
  return server;
}

/** Spawns and waits; a server that never gets ready is stopped before the error is thrown. */
export async function startBuiltServer(options, ready = {}) {
  const server = await spawnBuiltServer(options);
  try {
    return await waitReady(server, ready);
  } catch (e) {
    await server.stop();
    throw e;
  }
}

/** A fresh database on the Postgres server at `adminUrl`, dropped (forcibly) by `drop()`. */
export async function createPostgresDatabase(adminUrl, prefix = 'pulse_test') {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = async (sql) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

/**
 * HAProxy (Debian's package) in front of `servers` (`{ name, port }`), run with the shipped
 * docker/haproxy.cfg (round-robin, timeouts, health checks, X-Served-By) on a free port plus an
 * admin socket, so a test can take a server out of rotation (`drain`) as an operator would.
 */
export async function startBalancer(servers) {
  const dir = await mkdtemp(join(tmpdir(), 'pulse-haproxy-'));
  const socket = join(dir, 'admin.sock');
  const port = await freePort();
  const edits = [
    [/^global\n/m, `global\n  stats socket ${socket} mode 600 level admin\n`],
    [/^ {2}bind .*$/m, `  bind 127.0.0.1:${port}`],
    [/^ {2}server .*\n?/gm, ''],
  ];
  let config = await readFile(SHIPPED_HAPROXY, 'utf8');
  for (const [pattern, by] of edits) {
    if (!pattern.test(config)) throw new Error(`docker/haproxy.cfg no longer has ${pattern}`);
    config = config.replace(pattern, by);
  }
  config += servers.map((s) => `  server ${s.name} 127.0.0.1:${s.port} check\n`).join('');
  await writeFile(join(dir, 'haproxy.cfg'), config);
  const child = spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  /** One runtime API command (HAProxy's management guide, section 9.3); resolves with its answer. */
  const command = (line) =>
    new Promise((resolve, reject) => {
      let answer = '';
      connect(socket)
        .on('error', reject)
        .on('data', (d) => (answer += d))
        .on('end', () => resolve(answer))
        .end(`${line}\n`);
    });
  const balancer = {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    command,
    /** No new requests for `name`; the ones it holds (an answer's stream) go on. */
    drain: (name) => command(`set server replicas/${name} state drain`),
    ready: (name) => command(`set server replicas/${name} state ready`),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  // Up once every server passed its health check (the `status` column of `show stat`).
  const allUp = async () => {
    if (child.exitCode !== null) throw new Hopeless('haproxy exited');
    const rows = await command('show stat');
    const [head = '', ...lines] = rows.split('\n').map((r) => r.replace(/^# /, '').split(','));
    const col = (name) => head.indexOf(name);
    const up = lines.filter((r) => servers.some((s) => s.name === r[col('svname')]) && r[col('status')] === 'UP');
    return up.length === servers.length;
  };
  try {
    await eventually('haproxy bringing every server up', allUp, { timeoutMs: 30_000, intervalMs: 100 });
  } catch (err) {
    await balancer.stop();
    throw new Error(`${err.message}\n${output}`, { cause: err });
  }
  return balancer;
}
