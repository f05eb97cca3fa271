import { eventually, partsOf, readSse, type UpstreamBehavior } from '@pulse/testkit';
import { messagesInDb, send, sendJson, storedMessages } from './support/chat.js';
import { readWithAiSdk, textOf } from './support/sse.js';
import { type TestApp, useChatApp } from './support/test-app.js';

/** The session a user's only send created, looked up in the database (failed sends return no ids). */
async function onlySessionOf(t: TestApp, userId: string): Promise<string> {
  const { rows } = await t.db.query<{ id: string }>('select id from public.chat_sessions where user_id = $1', [userId]);
  expect(rows).toHaveLength(1);
  return rows[0].id;
}

describe('POST /api/chat/send when the model fails: nothing is lost', () => {
  const { t, upstream } = useChatApp({
    // Long enough that an instant upstream never trips it on a loaded CI machine,
    // short enough to keep the timeout tests quick.
    CHAT_TIMEOUT: '1.2',
    SSE_HEARTBEAT_SECONDS: '0.05',
  });

  it.each<[string, number, string, UpstreamBehavior]>([
    ['an upstream 500', 502, 'UPSTREAM_ERROR', { kind: 'error', status: 500, message: 'internal secret detail' }],
    ['an upstream 429', 502, 'UPSTREAM_ERROR', { kind: 'error', status: 429 }],
    ['an unreadable upstream answer', 502, 'UPSTREAM_BAD_RESPONSE', { kind: 'garbage' }],
    [
      'a stream cut off mid-answer',
      502,
      'UPSTREAM_BAD_RESPONSE',
      { kind: 'cut', afterChunks: 2, text: 'half an answer' },
    ],
  ])('answers %s with %i %s, keeping the question and storing no answer', async (_name, status, code, behavior) => {
    const u = await t.user();
    upstream.enqueue(behavior);

    const res = await sendJson(t, u.auth, { message: 'Will this survive?' });

    expect(res.status).toBe(status);
    expect(res.body).toEqual(expect.objectContaining({ statusCode: status, code, message: expect.any(String) }));
    expect(JSON.stringify(res.body)).not.toContain('internal secret detail');
    const stored = await messagesInDb(t, await onlySessionOf(t, u.id));
    expect(stored.map((m) => [m.role, m.content])).toEqual([['user', 'Will this survive?']]);
  });

  it('gives up on a hanging model after CHAT_TIMEOUT with 504, keeping the question', async () => {
    const u = await t.user();
    upstream.enqueue({ kind: 'hang' });

    const started = performance.now();
    const res = await sendJson(t, u.auth, { message: 'Hello, anyone?' });
    const elapsed = performance.now() - started;

    expect([res.status, res.body.code]).toEqual([504, 'UPSTREAM_TIMEOUT']);
    expect(elapsed).toBeGreaterThanOrEqual(1150);
    expect(elapsed).toBeLessThan(5000);
    const stored = await messagesInDb(t, await onlySessionOf(t, u.id));
    expect(stored.map((m) => m.role)).toEqual(['user']);
    // Pulse hangs up on the upstream instead of leaving the call open.
    await eventually('the model call aborted', () => upstream.requests[0].aborted);
  });

  it('times out a stream that stalls between two deltas, storing no partial answer', async () => {
    const u = await t.user();
    upstream.enqueue({ kind: 'text', chunks: ['quick ', 'then ', 'nothing'], chunkDelayMs: 3000 });

    const res = await sendJson(t, u.auth, { message: 'Stall please' });

    expect([res.status, res.body.code]).toEqual([504, 'UPSTREAM_TIMEOUT']);
    const stored = await messagesInDb(t, await onlySessionOf(t, u.id));
    expect(stored.map((m) => m.role)).toEqual(['user']);
  });

  it('reports a streamed failure in-band as data-error and error parts', async () => {
    const u = await t.user();
    upstream.enqueue({ kind: 'error', status: 500 });

    const res = await send(t, u.auth, { message: 'Stream a failure' }, { stream: true });

    expect(res.status).toBe(200);
    const [mine, sdks] = res.body!.tee();
    const [items, ui] = await Promise.all([readSse(mine), readWithAiSdk(sdks)]);
    const parts = partsOf(items);
    // No text-start/text-end: a failure before any text leaves AI SDK clients no empty text part.
    expect(parts.map((p) => p.type)).toEqual(['start', 'data-session', 'data-error', 'error']);
    expect(parts[2].data).toEqual(expect.objectContaining({ code: 'UPSTREAM_ERROR', message: expect.any(String) }));
    expect(parts[3]).toEqual({ type: 'error', errorText: expect.any(String) });
    expect(items.at(-1)).toEqual(expect.objectContaining({ kind: 'event', data: '[DONE]' }));
    // The AI SDK hands the error part to onError, as useChat would show it.
    expect(ui.errors.map((e) => (e as Error).message)).toEqual([parts[3].errorText]);
    // ...and the message it assembles holds no empty text part for useChat to render as a blank bubble.
    expect((ui.message?.parts ?? []).filter((p) => p.type === 'text')).toEqual([]);

    const sessionId = (parts[1].data as { session_id: string }).session_id;
    expect((await messagesInDb(t, sessionId)).map((m) => m.role)).toEqual(['user']);
  });

  it('times out a streamed answer too, in-band with UPSTREAM_TIMEOUT', async () => {
    const u = await t.user();
    upstream.enqueue({ kind: 'hang' });

    const res = await send(t, u.auth, { message: 'Stream into the void' }, { stream: true });
    const parts = partsOf(await readSse(res.body!));

    expect(parts.find((p) => p.type === 'data-error')?.data).toEqual(
      expect.objectContaining({ code: 'UPSTREAM_TIMEOUT' }),
    );
  });

  it('does not store a cut-off streamed answer as an answer', async () => {
    const u = await t.user();
    upstream.enqueue({ kind: 'cut', afterChunks: 2, text: 'this answer will be cut off', chunkDelayMs: 5 });

    const res = await send(t, u.auth, { message: 'Cut me off' }, { stream: true });
    const parts = partsOf(await readSse(res.body!));

    expect(parts.filter((p) => p.type === 'text-delta').map((p) => p.delta)).toEqual(['this', ' answer']);
    expect(parts.find((p) => p.type === 'data-error')?.data).toEqual(
      expect.objectContaining({ code: 'UPSTREAM_BAD_RESPONSE' }),
    );
    expect(parts.some((p) => p.type === 'finish')).toBe(false);
    const sessionId = (parts[1].data as { session_id: string }).session_id;
    expect((await messagesInDb(t, sessionId)).map((m) => m.role)).toEqual(['user']);
  });

  it('answers a retry with the same Idempotency-Key after a failure, without storing the question twice', async () => {
    const u = await t.user();
    const key = 'retry-after-failure-1';
    upstream.enqueue({ kind: 'error', status: 503 });
    const failed = await sendJson(t, u.auth, { message: 'Try, try again' }, { idempotencyKey: key });
    expect([failed.status, failed.body.code]).toEqual([502, 'UPSTREAM_ERROR']);

    upstream.enqueue({ kind: 'text', text: 'Third time lucky.' });
    const retried = await sendJson(t, u.auth, { message: 'Try, try again' }, { idempotencyKey: key });

    expect(retried.status).toBe(200);
    expect(retried.body).toEqual(expect.objectContaining({ response: 'Third time lucky.', replayed: false }));
    const stored = await storedMessages(t, u.auth, retried.body.session_id);
    expect(stored.map((m) => [m.role, m.content])).toEqual([
      ['user', 'Try, try again'],
      ['assistant', 'Third time lucky.'],
    ]);
    expect(stored[0].id).toBe(retried.body.user_message_id);
    expect(stored[1].metadata.reply_to).toBe(stored[0].id);
    // The retry asked the model the stored question once, not twice.
    expect(upstream.requests[1].body.messages.filter((m: { role: string }) => m.role === 'user')).toEqual([
      { role: 'user', content: 'Try, try again' },
    ]);
  });
});

describe('POST /api/chat/send with an Idempotency-Key', () => {
  const { t, upstream } = useChatApp();

  it('replays the first result for a repeated request, calling the model and storing once', async () => {
    const u = await t.user();
    upstream.enqueue({ kind: 'text', text: 'Only once.' });
    const body = { message: 'Say it once', temperature: 0.3 };

    const first = await sendJson(t, u.auth, body, { idempotencyKey: 'once-1' });
    const second = await sendJson(t, u.auth, body, { idempotencyKey: 'once-1' });

    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ ...first.body, replayed: true });
    expect(upstream.requests).toHaveLength(1);
    expect((await storedMessages(t, u.auth, first.body.session_id)).map((m) => m.content)).toEqual([
      'Say it once',
      'Only once.',
    ]);
  });

  it('refuses the same key with a different body with 409 IDEMPOTENCY_KEY_REUSED', async () => {
    const u = await t.user();
    const first = await sendJson(t, u.auth, { message: 'First body' }, { idempotencyKey: 'reuse-1' });
    expect(first.status).toBe(200);

    const second = await sendJson(t, u.auth, { message: 'Another body' }, { idempotencyKey: 'reuse-1' });

    expect(second.status).toBe(409);
    expect(second.body).toEqual(expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED', field: 'Idempotency-Key' }));
    expect(upstream.requests).toHaveLength(1);
    expect(await messagesInDb(t, first.body.session_id)).toHaveLength(2);
  });

  it('keeps keys per user: the same key from another user gets its own answer', async () => {
    const alice = await t.user();
    const bob = await t.user();
    upstream.enqueue({ kind: 'text', text: 'For Alice.' });
    upstream.enqueue({ kind: 'text', text: 'For Bob.' });

    const a = await sendJson(t, alice.auth, { message: 'Same words' }, { idempotencyKey: 'shared-key' });
    const b = await sendJson(t, bob.auth, { message: 'Same words' }, { idempotencyKey: 'shared-key' });

    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.response).toBe('For Alice.');
    expect(b.body).toEqual(expect.objectContaining({ response: 'For Bob.', replayed: false }));
    expect(b.body.session_id).not.toBe(a.body.session_id);
    expect(upstream.requests).toHaveLength(2);
  });

  it('replays a streamed answer as a stream', async () => {
    const u = await t.user();
    upstream.enqueue({ kind: 'text', chunks: ['Streamed ', 'and ', 'replayed.'] });
    const body = { message: 'Stream it twice' };

    const first = await readWithAiSdk(
      (await send(t, u.auth, body, { stream: true, idempotencyKey: 'stream-1' })).body!,
    );
    const again = await send(t, u.auth, body, { stream: true, idempotencyKey: 'stream-1' });
    expect(again.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
    const second = await readWithAiSdk(again.body!);

    expect(upstream.requests).toHaveLength(1);
    expect(textOf(first.message)).toBe('Streamed and replayed.');
    expect(textOf(second.message)).toBe('Streamed and replayed.');
    expect(second.message?.id).toBe(first.message?.id);
    const meta = second.chunks.find((c) => c.type === 'data-message') as { data: Record<string, unknown> };
    expect(meta.data).toEqual(expect.objectContaining({ replayed: true, finish_reason: 'stop' }));
    const session = second.chunks.find((c) => c.type === 'data-session') as { data: { session_id: string } };
    expect(await messagesInDb(t, session.data.session_id)).toHaveLength(2);
  });

  it('refuses a second request with the key while the first is still being answered (409 IDEMPOTENCY_KEY_IN_USE)', async () => {
    const u = await t.user();
    upstream.enqueue({ kind: 'text', text: 'Slowly.', firstTokenDelayMs: 400 });
    const body = { message: 'Patience' };

    const first = sendJson(t, u.auth, body, { idempotencyKey: 'busy-1' });
    // Once the model has been called, the first request has stored the question and holds the key.
    await eventually('the model called', () => upstream.requests.length === 1);
    const second = await sendJson(t, u.auth, body, { idempotencyKey: 'busy-1' });

    expect([second.status, second.body.code]).toEqual([409, 'IDEMPOTENCY_KEY_IN_USE']);
    const done = await first;
    expect([done.status, done.body.response]).toEqual([200, 'Slowly.']);
    expect(upstream.requests).toHaveLength(1);
    expect(await messagesInDb(t, done.body.session_id)).toHaveLength(2);
  });

  it('answers a streamed send that fails before the answer starts with a plain JSON error', async () => {
    const owner = await t.user();
    const stranger = await t.user();
    const { body: first } = await sendJson(t, owner.auth, { message: 'mine' });

    const res = await send(t, stranger.auth, { message: 'yours?', session_id: first.session_id }, { stream: true });

    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await res.json()) as { code: string }).code).toBe('SESSION_NOT_FOUND');
  });

  it('refuses a malformed key with 400', async () => {
    const u = await t.user();
    const res = await sendJson(t, u.auth, { message: 'hi' }, { idempotencyKey: 'has spaces in it' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(expect.objectContaining({ code: 'VALIDATION_FAILED', field: 'Idempotency-Key' }));
    expect(upstream.requests).toHaveLength(0);
  });
});
