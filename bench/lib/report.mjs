// The report: the markdown tables printed at the end of a run.
import { markdownTable, ms } from './stats.mjs';
import { SETTINGS } from './scenarios.mjs';

export function tables(results) {
  const jsonRows = results.flatMap((r) =>
    r.json.map((j) => [
      r.db,
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
        r.db,
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
  ].join('\n');
}
