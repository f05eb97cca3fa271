// The report: the markdown tables printed at the end of a run.
import { markdownTable, ms } from './stats.mjs';
import { SETTINGS } from './scenarios.mjs';

const entry = (r) => (r.repeat > 1 ? `${r.db} #${r.repeat}` : r.db);

export function tables(results) {
  const jsonRows = results.flatMap((r) =>
    r.json.map((j) => [
      entry(r),
      j.clients,
      j.sendsPerSecond,
      j.latencyMs.p50,
      j.latencyMs.p97_5,
      j.latencyMs.p99,
      j.pulseCpuMsPerSend,
      `${j.pulseCpuPercent}% / ${j.machineBusyPercent}%`,
      j.loadAvg1mBefore,
      j.non2xx + j.errors + j.timeouts,
    ]),
  );
  const streamRows = results.flatMap((r) =>
    r.streams.map((s, i) => {
      const d = r.direct[i];
      const o = s.overheadMs;
      return [
        entry(r),
        s.clients,
        s.streams,
        `${ms(s.pulseTtftMs.p50)} / ${ms(s.pulseTtftMs.p90)} / ${ms(s.pulseTtftMs.p99)}`,
        `${ms(s.upstreamTtftMs.p50)} / ${ms(s.upstreamTtftMs.p99)}`,
        `**${ms(o.p50)}** / ${ms(o.p90)} / ${ms(o.p99)}`,
        `${ms(s.beforeUpstreamMs.p50)} / ${ms(s.relayMs.p50)}`,
        `${ms(d.ttftMs.p50)} / ${ms(d.ttftMs.p99)}`,
        s.pulseCpuMsPerSend,
        `${s.pulseCpuPercent}% / ${s.machineBusyPercent}%`,
        s.loadAvg1mBefore,
        s.errors + d.errors,
      ];
    }),
  );
  return [
    '### JSON sends (autocannon, instant upstream)',
    '',
    markdownTable(
      [
        'db',
        'clients',
        'sends/s',
        'p50 ms',
        'p97.5 ms',
        'p99 ms',
        'Pulse CPU ms/send',
        'CPU Pulse / machine',
        'load 1m',
        'errors',
      ],
      jsonRows,
    ),
    '',
    `### Time to first token, streamed sends (upstream: first token after ${SETTINGS.firstTokenMs} ms, then ${SETTINGS.answerWords} chunks ${SETTINGS.chunkDelayMs} ms apart)`,
    '',
    markdownTable(
      [
        'db',
        'clients',
        'streams',
        'Pulse TTFT p50/p90/p99 ms',
        'upstream TTFT p50/p99 ms',
        'Pulse adds p50/p90/p99 ms',
        'before upstream / relay p50 ms',
        'direct-to-upstream TTFT p50/p99 ms',
        'Pulse CPU ms/send',
        'CPU Pulse / machine',
        'load 1m',
        'errors',
      ],
      streamRows,
    ),
    ...redisTable(results),
    ...ceilingTable(results),
  ].join('\n');
}

/** The same run's `postgres` and `postgres+redis` entries side by side (paired by repeat). */
function redisTable(results) {
  const rows = [];
  for (const withRedis of results.filter((r) => r.db === 'postgres+redis')) {
    const without = results.find((r) => r.db === 'postgres' && r.repeat === withRedis.repeat);
    if (!without) continue;
    for (const [i, s] of withRedis.streams.entries()) {
      const b = without.streams.find((x) => x.clients === s.clients);
      const jb = without.json.find((x) => x.clients === s.clients);
      const j = withRedis.json[i];
      if (!b || !jb) continue;
      const delta = (a, c) => `${c - a >= 0 ? '+' : ''}${ms(c - a)}`;
      rows.push([
        withRedis.repeat,
        s.clients,
        `${jb.sendsPerSecond} / ${j.sendsPerSecond}`,
        `${ms(b.overheadMs.p50)} / ${ms(s.overheadMs.p50)} (**${delta(b.overheadMs.p50, s.overheadMs.p50)}**)`,
        `${ms(b.overheadMs.p99)} / ${ms(s.overheadMs.p99)} (${delta(b.overheadMs.p99, s.overheadMs.p99)})`,
        `${b.loadAvg1mBefore} / ${s.loadAvg1mBefore}`,
      ]);
    }
  }
  if (!rows.length) return [];
  return [
    '',
    '### Redis unset / set (Postgres both times; REDIS_URL set = the replicas setup, one replica here)',
    '',
    markdownTable(
      ['repeat', 'clients', 'JSON sends/s', 'Pulse adds p50 ms (Δ)', 'Pulse adds p99 ms (Δ)', 'load 1m (streams)'],
      rows,
    ),
  ];
}

/** Pulse's JSON sends/s against pgbench running the same two transactions on the same database. */
function ceilingTable(results) {
  const rows = results.flatMap((r) =>
    (r.pgbench ?? []).map((p) => {
      const j = r.json.find((x) => x.clients === p.pulseClients);
      return [
        entry(r),
        p.pulseClients,
        j.sendsPerSecond,
        p.clients,
        p.sendsPerSecond,
        `**${Math.round((100 * j.sendsPerSecond) / p.sendsPerSecond)}%**`,
        ms(p.latencyAvgMs),
        `${j.loadAvg1mBefore} / ${p.loadAvg1mBefore}`,
      ];
    }),
  );
  if (!rows.length) return [];
  return [
    '',
    "### Ceiling: pgbench running a JSON send's two transactions (question with RLS claims; answer)",
    '',
    markdownTable(
      [
        'db',
        'Pulse clients',
        'Pulse sends/s',
        'pgbench connections',
        'pgbench sends/s',
        'Pulse / ceiling',
        'pgbench latency avg ms',
        'load 1m (Pulse / pgbench)',
      ],
      rows,
    ),
  ];
}
