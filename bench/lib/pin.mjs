// BENCH_PIN=1: the database on CPU 0, everything else of the run (this process, the stub,
// Pulse, pgbench's client) on CPU 1, for the pgbench ceiling and Pulse's runs alike. On a
// 2-core machine the two otherwise fight over the same cores, so "Pulse / ceiling" mostly
// says how much CPU Pulse leaves the database; pinned, it says how close Pulse, with a core
// of its own, drives the database to what that database does alone. Restored on exit.
import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import { log } from './processes.mjs';

const all = `0-${os.availableParallelism() - 1}`;

function postgresPids() {
  const r = spawnSync('pgrep', ['-x', 'postgres'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean);
}

function setAffinity(pid, cpus) {
  // -a: every thread; new backends inherit the postmaster's mask.
  execFileSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' });
}

/** Pins as described above; returns the undo (also run on exit). */
export function pinDatabase() {
  if (os.availableParallelism() < 2) throw new Error('BENCH_PIN needs at least 2 CPUs');
  const pids = postgresPids();
  if (pids.length === 0) throw new Error('BENCH_PIN: no postgres process found');
  for (const pid of pids) setAffinity(pid, '0');
  setAffinity(process.pid, '1');
  log(`pinned ${pids.length} postgres processes to CPU 0, this run to CPU 1`);
  let undone = false;
  const undo = () => {
    if (undone) return;
    undone = true;
    for (const pid of postgresPids()) {
      try {
        setAffinity(pid, all);
      } catch {
        // exited meanwhile
      }
    }
    setAffinity(process.pid, all);
    log(`postgres processes back on CPUs ${all}`);
  };
  process.on('exit', undo);
  return undo;
}
