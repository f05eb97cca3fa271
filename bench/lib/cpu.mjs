// /proc CPU metering: how much CPU Pulse and the whole machine used over one run (Linux only).
import { readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * The machine's CPUs. Not os.availableParallelism(): that is this process's affinity, which is
 * one CPU while BENCH_PIN holds the run on CPU 1, and /proc/stat counts them all.
 */
const CPUS = os.cpus().length;

/** Busy and total jiffies of the whole machine, from /proc/stat. */
export function machineJiffies() {
  const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const idle = f[3] + f[4];
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/**
 * Waits until `pid` is idle (under 5% of a core over 300 ms; at most `limitMs`): an answer a
 * load generator left in flight when it stopped (Pulse finishes and stores it) must not run
 * into the next measurement.
 */
export async function settled(pid, limitMs = 15_000) {
  const end = Date.now() + limitMs;
  for (;;) {
    const before = cpuSeconds(pid);
    await new Promise((resolve) => setTimeout(resolve, 300));
    if ((cpuSeconds(pid) - before) / 0.3 < 0.05 || Date.now() > end) return;
  }
}

/** Measures Pulse's CPU and the machine's (all processes) over one run. */
export function cpuMeter(pid) {
  const cpu0 = cpuSeconds(pid);
  const m0 = machineJiffies();
  const load = os.loadavg()[0];
  return (sends) => {
    const cpu = cpuSeconds(pid) - cpu0;
    const m1 = machineJiffies();
    return {
      pulseCpuMsPerSend: sends ? +((cpu * 1000) / sends).toFixed(2) : null,
      pulseCpuPercent: 0,
      machineBusyPercent: Math.round(((m1.busy - m0.busy) / (m1.total - m0.total)) * 100 * CPUS),
      loadAvg1mBefore: +load.toFixed(2),
      pulseCpuSeconds: cpu,
    };
  };
}

export function machine() {
  const cpus = os.cpus();
  return {
    nproc: CPUS,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memTotalGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
  };
}

/** Pulse's CPU time so far (user + system), in seconds, from /proc. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return Number.NaN;
  }
}

/**
 * Waits until the whole machine is quiet (under 25% of one core over 500 ms; at most `limitMs`):
 * what a pgbench run leaves behind (the server writing out its pages) must not land in the next
 * measurement.
 */
export async function machineSettled(limitMs = 20_000) {
  const end = Date.now() + limitMs;
  for (;;) {
    const a = machineJiffies();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const b = machineJiffies();
    const busyCores = ((b.busy - a.busy) / (b.total - a.total)) * CPUS;
    if (busyCores < 0.25 || Date.now() > end) return;
  }
}
