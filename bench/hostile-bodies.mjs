// What a hostile JSON body costs Pulse: CPU per request for a deeply nested body against a flat
// one of the same size, and /health latency while clients send such bodies.
//
//   npm run build -w backend && node bench/hostile-bodies.mjs
//   BENCH_PULSE_DIR=/tmp/other-checkout node bench/hostile-bodies.mjs   # a built "before"
//
// Pulse runs as a child process on embedded PGlite in a temp folder; everything is on loopback.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { freePort } from '@pulse/testkit';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownTable, ms, summarize } from './lib/stats.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PULSE_ROOT = process.env.BENCH_PULSE_DIR ?? ROOT;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 10);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 5);

const deep = '['.repeat(100_000) + ']'.repeat(100_000); // ~195 KB, the body
const BODIES = {
  'deep (100,000 nested arrays, 195 KB)': deep,
  'flat (one 195 KB string)': JSON.stringify({ message: 'x'.repeat(deep.length - 16) }),
  'flat (a few bytes)': JSON.stringify({ message: 'hi' }),
};
const ROUTES = ['/api/auth/token', '/api/chat/send'];

/** The child's CPU time so far (user + system) in ms, from /proc (10 ms resolution). */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function startPulse(dataDir) {
  const port = await freePort();
  const child = spawn(process.execPath, [join(PULSE_ROOT, 'backend/dist/main.js')], {
    cwd: join(PULSE_ROOT, 'backend'),
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      JWT_SECRET_KEY: 'bench-secret-that-is-long-enough-0123456789',
      PULSE_API_KEY: 'bench-api-key-0123456789abcdef',
      AI_PROVIDER: 'demo',
      DEMO_MODE: 'false',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
      PGLITE_DATA_DIR: dataDir,
    },
  });
  const base = `http://127.0.0.1:${port}`;
  for (const until = Date.now() + 90_000; Date.now() < until;) {
    if (child.exitCode !== null) throw new Error(`Pulse exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/health`)).ok) return { child, base };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('Pulse did not become healthy in 90 s');
}

const post = (base, route, body) =>
  fetch(`${base}${route}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body }).then(
    async (r) => ({ status: r.status, code: (await r.json().catch(() => ({}))).code }),
  );

async function healthLatency(base, seconds) {
  const samples = [];
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const t0 = performance.now();
    await fetch(`${base}/health`).then((r) => r.arrayBuffer());
    samples.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 20));
  }
  return summarize(samples);
}

const dir = mkdtempSync(join(os.tmpdir(), 'pulse-hostile-bench-'));
const { child, base } = await startPulse(join(dir, 'data'));
try {
  const rows = [];
  for (const route of ROUTES) {
    for (const [name, body] of Object.entries(BODIES)) {
      for (let i = 0; i < 20; i += 1) await post(base, route, body); // warm-up
      const before = cpuMs(child.pid);
      let answer;
      for (let i = 0; i < REQUESTS; i += 1) answer = await post(base, route, body);
      const perRequest = (cpuMs(child.pid) - before) / REQUESTS;
      rows.push([route, name, `${answer.status} ${answer.code ?? ''}`, perRequest.toFixed(2)]);
    }
  }
  console.log(`\nPulse at ${PULSE_ROOT} (${REQUESTS} sequential requests each, after 20 warm-up)\n`);
  console.log(markdownTable(['route', 'body', 'answer', 'Pulse CPU ms / request'], rows));

  // The probe shares this process with the attacking clients, so compare the rows with each other.
  const idle = await healthLatency(base, LOAD_SECONDS);
  const under = async (body) => {
    let stop = false;
    const attackers = Array.from({ length: CLIENTS }, async () => {
      while (!stop) await post(base, '/api/chat/send', body);
    });
    const latency = await healthLatency(base, LOAD_SECONDS);
    stop = true;
    await Promise.all(attackers);
    return latency;
  };
  const flat = await under(BODIES['flat (one 195 KB string)']);
  const nested = await under(deep);
  console.log(`\n/health while ${CLIENTS} clients send 195 KB bodies to /api/chat/send without pause\n`);
  console.log(
    markdownTable(
      ['', 'p50 ms', 'p99 ms', 'max ms'],
      [
        ['idle', ms(idle.p50), ms(idle.p99), ms(idle.max)],
        ['flat bodies', ms(flat.p50), ms(flat.p99), ms(flat.max)],
        ['deep bodies', ms(nested.p50), ms(nested.p99), ms(nested.max)],
      ],
    ),
  );
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
