// Benchmarks POST /api/chat/send end to end on this machine, against the local OpenAI stub:
// JSON sends per second (autocannon) and the time Pulse adds before the first streamed token.
// Everything runs on loopback, every loop is bounded, and every process started here is stopped here.
//
//   npm run bench                        both databases, 1/50/200 clients (~4 minutes)
//   BENCH_DB=pglite BENCH_CLIENTS=50 npm run bench
//   BENCH_SKIP_BUILD=1 BENCH_LABEL=after npm run bench
//   BENCH_DB=postgres,postgres+redis BENCH_REPEAT=2 npm run bench   Redis unset vs set, and the pgbench ceiling
//   BENCH_PIN=1 BENCH_DB=postgres npm run bench   the database on CPU 0, the rest on CPU 1 (lib/pin.mjs)
//
// The parts: lib/processes.mjs (starting and stopping), lib/cpu.mjs (/proc metering),
// lib/scenarios.mjs (the loads), lib/report.mjs (the tables).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machine } from './lib/cpu.mjs';
import { guardProcess, log, PULSE_FLAGS, ROOT, startUpstream, stop, stopChildren } from './lib/processes.mjs';
import { pinDatabase } from './lib/pin.mjs';
import { tables } from './lib/report.mjs';
import { benchDatabase, SETTINGS } from './lib/scenarios.mjs';

const RESULTS = join(ROOT, 'bench', 'results');

async function main() {
  // About 3 minutes per entry on a busy machine; the bound only catches a hung run.
  guardProcess(Math.max(12, 6 * SETTINGS.databases.length * SETTINGS.repeat) * 60_000);
  const started = Date.now();
  if (!process.env.BENCH_SKIP_BUILD) {
    log('building the backend');
    const build = spawnSync('npm', ['run', 'build', '-w', 'backend'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
    if (build.status !== 0) throw new Error('backend build failed');
  }
  mkdirSync(RESULTS, { recursive: true });
  const unpin = SETTINGS.pin ? pinDatabase() : undefined;
  const upstream = await startUpstream();
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const date = new Date().toISOString().slice(0, 10);
  const results = [];
  try {
    // BENCH_REPEAT runs the whole list again, interleaved, so outside load hits every entry alike.
    for (let repeat = 1; repeat <= SETTINGS.repeat; repeat += 1) {
      for (const db of SETTINGS.databases) {
        const r = { repeat, ...(await benchDatabase(db, upstream, stamp)) };
        results.push(r);
        const name = [date, db.replace('+', '-'), SETTINGS.label, SETTINGS.repeat > 1 ? `r${repeat}` : '']
          .filter(Boolean)
          .join('-');
        const file = join(RESULTS, `${name}.json`);
        writeFileSync(
          file,
          `${JSON.stringify({ at: new Date().toISOString(), machine: machine(), settings: SETTINGS, pulseFlags: PULSE_FLAGS, ...r }, null, 2)}\n`,
        );
        log(`wrote ${file}`);
      }
    }
  } finally {
    await stop(upstream.child);
    unpin?.();
  }
  const m = machine();
  console.log(`## Pulse chat send benchmark, ${new Date().toISOString()}`);
  console.log('');
  console.log(
    `${m.nproc} CPUs (${m.cpuModel}), ${m.memTotalGiB} GiB, Node ${m.node} (Pulse: node ${PULSE_FLAGS.join(' ') || 'without flags'}); ` +
      (SETTINGS.pin
        ? 'the database pinned to CPU 0; load generator, Pulse, stub and pgbench pinned to CPU 1.'
        : 'load generator, Pulse, stub and database share the machine.'),
  );
  console.log(
    'CPU columns are percent of one core (this machine tops out at 100% x CPUs); "load 1m" is the load average',
  );
  console.log('as the point started: well above 0 means other work was sharing the cores and the figures are noisier.');
  console.log('');
  console.log(tables(results));
  log(`done in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** `node bench/run.mjs --report <results json>...`: the tables again, from saved results. */
function report(files) {
  const results = files.map((f) => JSON.parse(readFileSync(f, 'utf8')));
  console.log(tables(results));
}

if (import.meta.main && process.argv[2] === '--report') {
  report(process.argv.slice(3));
} else if (import.meta.main) {
  main().catch((err) => {
    console.error(err);
    stopChildren();
    process.exit(1);
  });
}
