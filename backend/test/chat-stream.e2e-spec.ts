import { eventIds, eventually, partsOf, readSse, type SseItem } from '@pulse/testkit';
import { messagesInDb, send, storedMessages } from './support/chat.js';
import { readWithAiSdk, textOf } from './support/sse.js';
import { useChatApp } from './support/test-app.js';

const MODEL = 'pulse-stream-model';

describe('POST /api/chat/send streamed (Accept: text/event-stream)', () => {
  const { t, upstream } = useChatApp({ OPENAI_MODEL: MODEL, SSE_HEARTBEAT_SECONDS: '0.05' });

  const deltaCount = (items: SseItem[]) => partsOf(items).filter((p) => p.type === 'text-delta').length;

  it('streams the UI message protocol, which the AI SDK assembles into the text that was stored', async () => {
    const u = await t.user();
    const chunks = ['Streaming ', 'works ', 'in ', 'small ', 'pieces', ' — ünïcode too.'];
    const usage = { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 };
    upstream.enqueue({ kind: 'text', chunks, chunkDelayMs: 5, usage });

    const res = await send(t, u.auth, { message: 'Stream me something' }, { stream: true });

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
    // The answer is the user's: kept in no cache, and not recompressed by a proxy.
    expect(res.headers.get('cache-control')).toBe('no-store, no-transform');
    const [mine, sdks] = res.body!.tee();
    const [items, ui] = await Promise.all([readSse(mine), readWithAiSdk(sdks)]);

    const events = items.filter((i) => i.kind === 'event');
    expect(events.at(-1)!.data).toBe('[DONE]');
    const ids = eventIds(items);
    expect(ids).toEqual(ids.map((_, i) => i + 1));

    const parts = partsOf(items);
    const types = parts.map((p) => p.type);
    expect(types).toEqual([
      'start',
      'data-session',
      'text-start',
      ...chunks.map(() => 'text-delta'),
      'text-end',
      'data-message',
      'finish',
    ]);
    const session = parts[1].data as Record<string, unknown>;
    const message = parts.at(-2)!.data as Record<string, unknown>;
    expect(session).toEqual({
      session_id: expect.any(String),
      title: 'Stream me something',
      created_session: true,
      user_message_id: expect.any(String),
    });
    expect(parts[0]).toEqual({ type: 'start', messageId: message.assistant_message_id });
    expect(message).toEqual({
      assistant_message_id: expect.any(String),
      finish_reason: 'stop',
      interrupted: false,
      usage,
      provider: 'openai',
      model: MODEL,
      replayed: false,
    });
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'stop' });

    expect(ui.errors).toEqual([]);
    expect(ui.chunks.map((c) => c.type)).toEqual(types);
    expect(ui.message?.id).toBe(message.assistant_message_id);
    expect(ui.message?.role).toBe('assistant');
    const stored = await storedMessages(t, u.auth, session.session_id as string);
    expect(stored.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(stored[1].id).toBe(message.assistant_message_id);
    expect(stored[1].content).toBe(chunks.join(''));
    expect(textOf(ui.message)).toBe(stored[1].content);
    expect(stored[1].metadata).toEqual(
      expect.objectContaining({
        provider: 'openai',
        model: MODEL,
        usage,
        finish_reason: 'stop',
        reply_to: stored[0].id,
      }),
    );
  });

  it('sends heartbeat comments while the model has not answered yet', async () => {
    const u = await t.user();
    upstream.enqueue({ kind: 'text', text: 'Finally here.', firstTokenDelayMs: 300 });

    const res = await send(t, u.auth, { message: 'Take your time' }, { stream: true });
    const items = await readSse(res.body!);

    const firstDelta = items.findIndex((i) => i.kind === 'event' && i.data.includes('"text-delta"'));
    const pingsBefore = items.slice(0, firstDelta).filter((i) => i.kind === 'comment' && i.text === 'ping');
    expect(firstDelta).toBeGreaterThan(0);
    expect(pingsBefore.length).toBeGreaterThanOrEqual(2);
    // Pings are comments: they never shift the numbering of real events.
    const ids = eventIds(items);
    expect(ids).toEqual(ids.map((_, i) => i + 1));
  });

  it('delivers each delta as it is produced, not at the end', async () => {
    const u = await t.user();
    upstream.enqueue({ kind: 'text', chunks: ['one', ' two', ' three', ' four', ' five'], chunkDelayMs: 120 });

    const res = await send(t, u.auth, { message: 'Count slowly' }, { stream: true });
    const items = await readSse(res.body!);

    const deltas = items.filter((i) => i.kind === 'event' && i.data.includes('"text-delta"'));
    expect(deltas).toHaveLength(5);
    const done = items.at(-1)!;
    // Four gaps of 120 ms separate the first delta from the last: buffered, all would arrive at the end.
    expect(done.at - deltas[0].at).toBeGreaterThan(350);
    expect(new Set(deltas.map((d) => Math.round(d.at / 50))).size).toBeGreaterThanOrEqual(3);
  });

  it('on a client abort mid-answer, goes on with the model and stores the whole answer (resumable, not lost)', async () => {
    const u = await t.user();
    const words = Array.from({ length: 40 }, (_, i) => `word${i} `);
    upstream.enqueue({ kind: 'text', chunks: words, chunkDelayMs: 10 });
    const controller = new AbortController();

    const res = await send(t, u.auth, { message: 'Tell me a long story' }, { stream: true, signal: controller.signal });
    let sessionId = '';
    let received = '';
    await readSse(res.body!, (item, all) => {
      // Events already parsed from the same network read may still be handed over after the abort.
      if (controller.signal.aborted || item.kind !== 'event' || item.data === '[DONE]') return;
      const part = JSON.parse(item.data);
      if (part.type === 'data-session') sessionId = part.data.session_id;
      if (part.type === 'text-delta') received += part.delta;
      if (deltaCount(all) === 3) controller.abort();
    }).catch((error: unknown) => {
      if ((error as Error).name !== 'AbortError') throw error;
    });
    expect(received).toBe(words.slice(0, 3).join(''));

    const answer = await eventually('the stored answer', async () =>
      (await messagesInDb(t, sessionId)).find((m) => m.role === 'assistant'),
    );
    expect(answer.content).toBe(words.join(''));
    expect(answer.metadata).toEqual(expect.objectContaining({ finish_reason: 'stop', provider: 'openai' }));
    expect(answer.metadata.interrupted).toBeUndefined();
    expect(upstream.requests[0].aborted).toBe(false);
  });
});
