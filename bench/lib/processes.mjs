// Process lifecycle: the processes a bench run starts (stub upstream, Pulse) and their stopping,
// also on Ctrl-C. Nothing starts at import: main() calls guardProcess() first.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { spawnBuiltServer, waitReady } from '@pulse/testkit';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Another checkout's built backend (e.g. the code before an optimisation) to measure instead.
export const PULSE_ROOT = process.env.BENCH_PULSE_DIR ?? ROOT;
export const log = (...args) => console.error('[bench]', ...args);
const children = new Set();
/** Async clean-ups (a database to drop) that Ctrl-C must still run. */
export const cleanups = new Set();

export function stopChildren() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
}

/** Kills what this run started on exit and on SIGINT/SIGTERM, and bounds the whole run. */
export function guardProcess(limitMs = 12 * 60_000) {
  process.on('exit', stopChildren);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void interrupted());
  setTimeout(() => {
    log(`gave up after ${limitMs / 60_000} minutes`);
    process.exit(1);
  }, limitMs).unref();
  prioritize(process.pid);
}

async function interrupted() {
  stopChildren();
  const bounded = (p) => Promise.race([p, new Promise((r) => setTimeout(r, 5000))]);
  for (const cleanup of cleanups) await bounded(cleanup().catch(() => undefined));
  process.exit(130);
}

// Other work on the same 2 cores skews every figure: the bench and its servers ask for a
// higher scheduling priority (root only; silently skipped otherwise) and record the load.
export function prioritize(pid) {
  try {
    os.setPriority(pid, -10);
  } catch {
    // not allowed: run at normal priority
  }
}

export async function startUpstream() {
  const child = spawn(process.execPath, [join(ROOT, 'bench/lib/timed-upstream.mjs')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  prioritize(child.pid);
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  const { url, port } = JSON.parse(line);
  const control = async (path, body = {}) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', body: JSON.stringify(body) });
    return res.json();
  };
  // performance.timeOrigin is read from the wall clock once per process, so two processes'
  // stamps can disagree by a few ms: measure the offset the NTP way (best of 30 round trips).
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < 30; i += 1) {
    const t0 = performance.timeOrigin + performance.now();
    const { now: remote } = await control('/__bench/clock');
    const t1 = performance.timeOrigin + performance.now();
    if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: remote - (t0 + t1) / 2 };
  }
  log(`upstream clock offset ${best.offset.toFixed(3)} ms (±${(best.rtt / 2).toFixed(3)})`);
  return { child, url, port, control, clockOffsetMs: best.offset };
}

export async function stop(child) {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await once(child, 'exit');
  clearTimeout(timer);
  children.delete(child);
}

/** Pulse's environment in a bench run; `dbEnv` adds the database and, for the replicas setup, Redis. */
export function pulseEnv(dbEnv, upstreamUrl, secret) {
  return {
    NODE_ENV: 'production',
    CORS_ORIGINS: 'http://localhost',
    AI_PROVIDER: 'openai',
    OPENAI_BASE_URL: upstreamUrl,
    OPENAI_API_KEY: 'sk-bench',
    JWT_SECRET_KEY: secret,
    AUTO_PROVISION_USERS: 'true',
    DEMO_MODE: 'false',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
    RATE_LIMIT_SENDS_PER_MINUTE: '0',
    ...dbEnv,
  };
}

/**
 * Node flags for Pulse, as an operator would set them in NODE_OPTIONS: none by default, as
 * Docker's `CMD`, `npm start` and `start:prod` run it; e.g. BENCH_PULSE_FLAGS=--max-semi-space-size=2
 * for the small young generation (README, "Memory").
 */
export const PULSE_FLAGS = (process.env.BENCH_PULSE_FLAGS ?? '').split(' ').filter(Boolean);

export async function startPulse(dbEnv, upstreamUrl, secret, logFile) {
  const out = createWriteStream(logFile);
  // BENCH_NODE_ARGS: e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile Pulse under load.
  const nodeArgs = [...PULSE_FLAGS, ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const server = await spawnBuiltServer({
    main: join(PULSE_ROOT, 'backend/dist/main.js'),
    cwd: join(PULSE_ROOT, 'backend'),
    nodeArgs,
    env: pulseEnv(dbEnv, upstreamUrl, secret),
  });
  const { child } = server;
  children.add(child);
  prioritize(child.pid);
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  try {
    await waitReady(server, { path: '/health', timeoutMs: 90_000 });
  } catch (e) {
    throw new Error(`Pulse did not become healthy (see ${logFile}): ${e.message.split('\n')[0]}`);
  }
  return { child, base: server.url };
}
