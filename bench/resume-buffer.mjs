// What one process (no REDIS_URL) holds for answers that ended: each streamed answer's events
// stay resumable STREAM_RESUME_SECONDS (300) after its end, so at a steady rate of answers the
// resume buffer holds rate x 300 s of them. This measures the heap one ended answer keeps, in
// the built MemoryLiveAnswers, with the events a streamed answer writes (start, data-session,
// text-start, one text-delta per chunk, text-end, data-message, finish).
//
//   npm run build -w backend && node --expose-gc bench/resume-buffer.mjs
//   BENCH_ANSWERS=5000 BENCH_CHUNKS=40,500 node --expose-gc bench/resume-buffer.mjs
//   BENCH_PULSE_DIR=/tmp/other-checkout node --expose-gc bench/resume-buffer.mjs   # a "before"
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PULSE_ROOT = process.env.BENCH_PULSE_DIR ?? ROOT;
const ANSWERS = Number(process.env.BENCH_ANSWERS ?? 5000);
const CHUNKS = (process.env.BENCH_CHUNKS ?? '40,500').split(',').map(Number);
// Words of 3-9 letters, as a model's chunks mostly are (one token, a leading space).
const WORDS = 'the answer keeps every word a model streams back until resumed or expired later'.split(' ');

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const { MemoryLiveAnswers } = await import(
  pathToFileURL(join(PULSE_ROOT, 'backend/dist/streams/live-answers.memory.js')).href
);

const heapMb = () => {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

/** One answer written as UiMessageStream writes it, then ended. */
async function answer(hub, chunks, n) {
  const assistantId = randomUUID();
  const meta = {
    sessionId: randomUUID(),
    assistantId,
    userId: randomUUID(),
    userMessageId: randomUUID(),
    streamed: true,
  };
  const a = hub.begin(meta, new AbortController());
  const textId = `text-${assistantId}`;
  let id = 0;
  a.append(++id, { type: 'start', messageId: assistantId });
  a.append(++id, {
    type: 'data-session',
    data: { session_id: meta.sessionId, title: 'A title', created_session: false, user_message_id: meta.userMessageId },
  });
  a.append(++id, { type: 'text-start', id: textId });
  for (let c = 0; c < chunks; c += 1) {
    // Built at run time, as the model's chunks are parsed, not interned literals.
    a.append(++id, { type: 'text-delta', id: textId, delta: ` ${WORDS[(n + c) % WORDS.length]}${c % 10}` });
  }
  a.append(++id, { type: 'text-end', id: textId });
  a.append(++id, {
    type: 'data-message',
    data: {
      assistant_message_id: assistantId,
      finish_reason: 'stop',
      interrupted: false,
      usage: { prompt_tokens: 20, completion_tokens: chunks, total_tokens: 20 + chunks },
      provider: 'openai',
      model: 'gpt-4o-mini',
      replayed: false,
    },
  });
  a.append(++id, { type: 'finish', finishReason: 'stop' });
  await a.end();
  return { assistantId, events: id };
}

console.log(`## Resume buffer of one process: heap held per ended answer (${ANSWERS} answers per row)`);
console.log('');
console.log('| text-delta events per answer | heap held, MB | per answer, KB | per event, bytes | resume of one, ms |');
console.log('| ---: | ---: | ---: | ---: | ---: |');
for (const chunks of CHUNKS) {
  const hub = new MemoryLiveAnswers(600_000);
  const before = heapMb();
  let last;
  for (let n = 0; n < ANSWERS; n += 1) last = await answer(hub, chunks, n);
  const held = heapMb() - before;
  // A resume after the end reads every event back: what a reload costs.
  const t0 = performance.now();
  let read = 0;
  for await (const _event of hub.follow(last.assistantId, 0, new AbortController().signal)) read += 1;
  const resumeMs = performance.now() - t0;
  if (read !== last.events) throw new Error(`resume read ${read} of ${last.events} events`);
  console.log(
    `| ${chunks} | ${held.toFixed(1)} | ${((held * 1024) / ANSWERS).toFixed(2)} | ${Math.round((held * 2 ** 20) / (ANSWERS * last.events))} | ${resumeMs.toFixed(2)} |`,
  );
  await hub.close();
}
