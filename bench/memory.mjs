// Pulse's memory with many streams open at once: the resident set (RSS) of the built server
// while N streamed sends are all mid-answer, against the same server idle. One fresh Pulse
// per level, so one level's garbage does not count against the next.
//
//   node bench/memory.mjs                         # 200 and 1,000 streams on the machine's Postgres
//   BENCH_STREAMS=1000 BENCH_DB=pglite node bench/memory.mjs
//   BENCH_HEAP_SNAPSHOT=1 node bench/memory.mjs   # also a heap snapshot at the peak, summarised
//
// Settings: BENCH_STREAMS (200,1000), BENCH_RAMP (100 streams per wave), BENCH_DB (postgres | pglite), BENCH_USERS (200),
// BENCH_POSTGRES_URL, BENCH_SKIP_BUILD, BENCH_PULSE_FLAGS (node flags as NODE_OPTIONS would set
// them: none by default, as Pulse ships; --max-semi-space-size=2 for the small young generation),
// BENCH_NODE_ARGS (extra node flags for Pulse),
// BENCH_PULSE_DIR (measure another built checkout: a "before"), BENCH_LABEL.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startBuiltServer } from '@pulse/testkit';
import { summarizeHeapSnapshot } from './lib/heap-summary.mjs';
import { PULSE_FLAGS, pulseEnv } from './lib/processes.mjs';
import { mintTokens } from './lib/scenarios.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PULSE_ROOT = process.env.BENCH_PULSE_DIR ?? ROOT;
const env = process.env;
const SETTINGS = {
  streams: (env.BENCH_STREAMS ?? '200,1000').split(',').map(Number),
  db: env.BENCH_DB ?? 'postgres',
  users: Number(env.BENCH_USERS ?? 200),
  postgresUrl: env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  heapSnapshot: Boolean(env.BENCH_HEAP_SNAPSHOT),
  label: env.BENCH_LABEL ?? '',
};
// Answers long enough that every stream of a level is open at once: a first token soon,
// then one word a second for two minutes. The level is measured once all have their first token.
const PACE = { firstTokenDelayMs: 100, chunkDelayMs: 1000, words: 120 };
const HOLD_MS = 3000;
const RAMP = Number(env.BENCH_RAMP ?? 100);

const log = (...a) => console.error('[memory]', ...a);
const children = new Set();
const rssOf = (pid) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) * 1024;
};
const mb = (bytes) => Math.round(bytes / 1048576);
/** User + system CPU seconds the process has used (a smaller young generation costs more scavenges). */
const cpuOf = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

async function startUpstream() {
  const child = spawn(process.execPath, [join(ROOT, 'bench/lib/timed-upstream.mjs')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  const { url, port } = JSON.parse(line);
  const control = (path, body = {}) =>
    fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json());
  return { child, url, control };
}

async function startPulse(dbEnv, upstreamUrl, secret, cwd) {
  const nodeArgs = [
    ...PULSE_FLAGS,
    ...(SETTINGS.heapSnapshot ? ['--heapsnapshot-signal=SIGUSR2'] : []),
    ...(env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
  ];
  const server = await startBuiltServer(
    {
      main: join(PULSE_ROOT, 'backend/dist/main.js'),
      // Heap snapshots land in the working directory.
      cwd,
      nodeArgs,
      env: {
        ...pulseEnv(dbEnv, upstreamUrl, secret),
        SHUTDOWN_DRAIN_SECONDS: '0',
        // glibc's arena count, to compare allocator settings (BENCH_MALLOC_ARENA_MAX=2).
        ...(env.BENCH_MALLOC_ARENA_MAX ? { MALLOC_ARENA_MAX: env.BENCH_MALLOC_ARENA_MAX } : {}),
      },
    },
    { path: '/health/ready', timeoutMs: 90_000 },
  );
  children.add(server.child);
  return { child: server.child, base: server.url };
}

async function stop(child) {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await once(child, 'exit');
  clearTimeout(timer);
  children.delete(child);
}

/** Opens `count` streamed sends (each its own new session); resolves once all have their first token. */
function openStreams(base, tokens, count, first) {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const target = new URL(base);
  let streaming = 0;
  const failures = [];
  const requests = [];
  let allOpen;
  const opened = new Promise((ok) => (allOpen = ok));
  const settle = () => streaming + failures.length === count && allOpen();
  for (let i = 0; i < count; i += 1) {
    const body = JSON.stringify({ message: `memory bench ${first + i}: tell me something long` });
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: 'POST',
        path: '/api/chat/send',
        agent,
        headers: {
          authorization: `Bearer ${tokens[(first + i) % tokens.length]}`,
          'content-type': 'application/json',
          accept: 'text/event-stream',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let seen = false;
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          if (!seen && chunk.includes('"type":"text-delta"')) {
            seen = true;
            streaming += 1;
            settle();
          }
        });
        res.on('error', () => undefined);
        if (res.statusCode !== 200) {
          failures.push(`HTTP ${res.statusCode}`);
          settle();
        }
      },
    );
    req.on('error', (err) => {
      failures.push(err.message);
      settle();
    });
    req.end(body);
    requests.push(req);
  }
  return {
    opened,
    failures,
    count: () => streaming,
    close: () => {
      for (const r of requests) r.destroy();
      agent.destroy();
    },
  };
}

async function measureLevel(streams, upstream, dbEnv) {
  const secret = randomBytes(30).toString('base64url');
  const tokens = await mintTokens(secret, Math.min(SETTINGS.users, streams));
  const workDir = mkdtempSync(join(os.tmpdir(), 'pulse-memory-'));
  const pulse = await startPulse(dbEnv, upstream.url, secret, workDir);
  try {
    // Warm up: provision the users and run every code path once, so lazy loading is not counted.
    await upstream.control('/__bench/pace', { firstTokenDelayMs: 0, chunkDelayMs: 0, words: 0 });
    for (const token of tokens) {
      const res = await fetch(`${pulse.base}/api/chat/send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ message: 'warm up' }),
      });
      await res.text();
    }
    await new Promise((r) => setTimeout(r, 2000));
    const idle = rssOf(pulse.child.pid);

    await upstream.control('/__bench/pace', PACE);
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pulse.child.pid))), 100);
    const started = Date.now();
    const cpuBefore = cpuOf(pulse.child.pid);
    // Users arrive in waves of BENCH_RAMP, not as one 1,000-request burst: the figure is about
    // holding streams open, not about a thundering herd on a 10-connection pool.
    const waves = [];
    for (let n = 0; n < streams; n += RAMP) {
      const wave = openStreams(pulse.base, tokens, Math.min(RAMP, streams - n), n);
      waves.push(wave);
      await wave.opened;
    }
    const load = {
      count: () => waves.reduce((sum, w) => sum + w.count(), 0),
      failures: waves.flatMap((w) => w.failures),
      close: () => waves.forEach((w) => w.close()),
    };
    const openMs = Date.now() - started;
    const atOpen = rssOf(pulse.child.pid);
    await new Promise((r) => setTimeout(r, HOLD_MS));
    const held = rssOf(pulse.child.pid);
    const cpuSeconds = Math.round((cpuOf(pulse.child.pid) - cpuBefore) * 10) / 10;
    // Before the snapshot, whose own serialising would count as the peak.
    clearInterval(sampler);
    let heap;
    if (SETTINGS.heapSnapshot) {
      pulse.child.kill('SIGUSR2');
      // Written in place: done once it exists and has stopped growing.
      let file;
      let size = -1;
      for (const until = Date.now() + 180_000; Date.now() < until;) {
        await new Promise((r) => setTimeout(r, 1000));
        const name = readdirSync(workDir).find((f) => f.endsWith('.heapsnapshot'));
        const now = name ? statSync(join(workDir, name)).size : -1;
        if (name && now > 0 && now === size) {
          file = name;
          break;
        }
        size = now;
      }
      if (file) heap = summarizeHeapSnapshot(join(workDir, file), streams);
    }
    const open = load.count();
    const failures = load.failures.slice(0, 5);
    load.close();
    return {
      streams,
      open,
      failures,
      openMs,
      idleMB: mb(idle),
      atOpenMB: mb(atOpen),
      heldMB: mb(held),
      cpuSeconds,
      peakMB: mb(peak),
      heap,
    };
  } finally {
    await stop(pulse.child);
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function main() {
  if (!env.BENCH_SKIP_BUILD) {
    const build = spawnSync('npm', ['run', 'build', '-w', 'backend'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
    if (build.status !== 0) throw new Error('build failed');
  }
  const upstream = await startUpstream();
  const results = [];
  let dropDb = async () => undefined;
  let dataRoot;
  try {
    let dbEnv;
    if (SETTINGS.db === 'postgres') {
      const name = `pulse_memory_${Date.now()}`;
      const admin = new pg.Client({ connectionString: SETTINGS.postgresUrl });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const url = new URL(SETTINGS.postgresUrl);
      url.pathname = `/${name}`;
      dbEnv = { DATABASE_URL: url.toString() };
      dropDb = async () => {
        const c = new pg.Client({ connectionString: SETTINGS.postgresUrl });
        await c.connect();
        await c.query(`drop database if exists ${name} with (force)`);
        await c.end();
      };
    } else {
      dataRoot = mkdtempSync(join(os.tmpdir(), 'pulse-memory-db-'));
      dbEnv = { PGLITE_DATA_DIR: join(dataRoot, 'pglite') };
    }
    for (const streams of SETTINGS.streams) {
      log(`${streams} streams on ${SETTINGS.db}`);
      const r = await measureLevel(streams, upstream, dbEnv);
      log(JSON.stringify({ ...r, heap: undefined }));
      results.push(r);
    }
  } finally {
    await stop(upstream.child);
    await dropDb();
    if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
  }

  console.log(
    `\n| streams open | idle RSS | RSS when all open | after ${HOLD_MS / 1000} s | peak RSS | opened in | Pulse CPU |`,
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    console.log(
      `| ${r.open}/${r.streams} | ${r.idleMB} MB | ${r.atOpenMB} MB | ${r.heldMB} MB | ${r.peakMB} MB | ${(r.openMs / 1000).toFixed(1)} s | ${r.cpuSeconds} s |`,
    );
  }
  for (const r of results.filter((x) => x.heap)) {
    console.log(`\nHeap at ${r.streams} open streams: ${r.heap.totalMB} MB live in ${r.heap.nodes} objects`);
    console.log('| what | count | self size | per stream |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const row of r.heap.top)
      console.log(`| ${row.name} | ${row.count} | ${row.mb} MB | ${row.perStreamBytes} B |`);
  }
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(
    dir,
    `${new Date().toISOString().slice(0, 10)}-memory-${SETTINGS.db}${SETTINGS.label ? `-${SETTINGS.label}` : ''}.json`,
  );
  writeFileSync(file, JSON.stringify({ settings: SETTINGS, pace: PACE, node: process.version, results }, null, 1));
  log(`wrote ${file}`);
}

const cleanup = () => {
  for (const c of children) c.kill('SIGKILL');
};
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});
main().catch((err) => {
  console.error(err);
  cleanup();
  process.exit(1);
});
