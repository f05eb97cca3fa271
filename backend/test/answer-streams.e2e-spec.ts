import { eventually, type OpenAIUpstream, startOpenAIUpstream } from '@pulse/testkit';
import { DefaultChatTransport, readUIMessageStream, type UIMessage } from 'ai';
import { deltaCount, deltasText, eventsOf, resumeStream, stopAnswer, streamSend } from './support/answers.js';
import { createSession, messagesInDb, sendJson } from './support/chat.js';
import { textOf } from './support/sse.js';
import { openDatabase } from '../src/database/database.module.js';
import { startTestApp, type TestApp, useChatApp } from './support/test-app.js';

const words = (n: number, tag = 'w') => Array.from({ length: n }, (_, i) => `${tag}${i} `);

/**
 * Stop and resume within one process: in memory (no REDIS_URL), and with the state in
 * the machine's Redis under a key prefix of this run (the topology suite covers several processes).
 */
describe.each([
  ['in memory', {}],
  ['in Redis', { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `pulse-test-${process.pid}-${Date.now()}:` }],
])('answers that outlive their connection (%s)', (_name, extraEnv: Record<string, string>) => {
  const { t, upstream } = useChatApp({ ...extraEnv, SSE_HEARTBEAT_SECONDS: '0.5' });

  it('goes on after the client drops the connection and stores the whole answer', async () => {
    const u = await t.user();
    const chunks = words(30);
    upstream.enqueue({ kind: 'text', chunks, chunkDelayMs: 10 });

    const s = await streamSend(t.url, u.auth, { message: 'A long one' });
    await s.until((x) => deltaCount(x) >= 3);
    s.drop();

    const sessionId = s.sessionId()!;
    const answer = await eventually('the stored answer', async () =>
      (await messagesInDb(t, sessionId)).find((m) => m.role === 'assistant'),
    );
    expect(answer.content).toBe(chunks.join(''));
    expect(answer.metadata.interrupted).toBeUndefined();
    expect(upstream.requests[0].aborted).toBe(false);
  });

  it('resumes with Last-Event-ID: exactly the events after it, same ids, so the text is whole and nothing doubles', async () => {
    const u = await t.user();
    const chunks = words(30);
    upstream.enqueue({ kind: 'text', chunks, chunkDelayMs: 15 });

    const first = await streamSend(t.url, u.auth, { message: 'Resume me' });
    await first.until((x) => deltaCount(x) >= 4);
    first.drop();
    const seen = first.lastId();
    const sessionId = first.sessionId()!;

    const rest = await resumeStream(t.url, u.auth, sessionId, seen);
    expect(rest.status).toBe(200);
    await rest.done;
    const ids = eventsOf(rest.items).map((e) => e.id);
    expect(ids[0]).toBe(seen + 1);
    expect(ids).toEqual(ids.map((_, i) => seen + 1 + i));
    expect(first.text() + rest.text()).toBe(chunks.join(''));
    expect(rest.parts().at(-1)).toEqual({ type: 'finish', finishReason: 'stop' });
    expect(rest.items.at(-1)).toMatchObject({ kind: 'event', data: '[DONE]' });

    // Without Last-Event-ID a resume replays the answer from its first event (a page reload).
    // Once it ended, there is nothing in flight: 204, with or without an id already seen.
    expect((await resumeStream(t.url, u.auth, sessionId)).status).toBe(204);
    expect((await resumeStream(t.url, u.auth, sessionId, ids.at(-1))).status).toBe(204);
    // An id before the end still gets the rest (a client that dropped just before the end).
    const tail = await resumeStream(t.url, u.auth, sessionId, ids.at(-3));
    await tail.done;
    expect(eventsOf(tail.items).map((e) => e.id)).toEqual(ids.slice(-2));
  });

  it('replays from the first event without Last-Event-ID, while the answer is in flight', async () => {
    const u = await t.user();
    const chunks = words(20);
    // 2 s in all: the resume must find the answer still running, also on a busy machine.
    upstream.enqueue({ kind: 'text', chunks, chunkDelayMs: 100 });
    const first = await streamSend(t.url, u.auth, { message: 'Reload mid-answer' });
    await first.until((x) => deltaCount(x) >= 2);
    first.drop();

    const again = await resumeStream(t.url, u.auth, first.sessionId()!);
    await again.done;
    expect(eventsOf(again.items).map((e) => e.id)[0]).toBe(1);
    expect(
      again
        .parts()
        .map((p) => p.type)
        .slice(0, 3),
    ).toEqual(['start', 'data-session', 'text-start']);
    expect(again.text()).toBe(chunks.join(''));
  });

  it("resumes through the AI SDK's own transport (reconnectToStream), which assembles the whole answer", async () => {
    const u = await t.user();
    const chunks = words(20);
    // 2 s in all: the resume must find the answer still running, also on a busy machine.
    upstream.enqueue({ kind: 'text', chunks, chunkDelayMs: 100 });
    const first = await streamSend(t.url, u.auth, { message: 'SDK resume' });
    await first.until((x) => deltaCount(x) >= 2);
    first.drop();

    const transport = new DefaultChatTransport<UIMessage>({ api: `${t.url}/api/chat/sessions`, headers: u.auth });
    const stream = await transport.reconnectToStream({ chatId: first.sessionId()! });
    expect(stream).not.toBeNull();
    let message: UIMessage | undefined;
    for await (const m of readUIMessageStream<UIMessage>({ stream: stream! })) message = m;
    expect(textOf(message)).toBe(chunks.join(''));

    const none = await transport.reconnectToStream({ chatId: first.sessionId()! });
    expect(none).toBeNull();
  });

  it('stops an answer: the stream ends interrupted and the stored partial is exactly what was streamed', async () => {
    const u = await t.user();
    const chunks = words(200);
    upstream.enqueue({ kind: 'text', chunks, chunkDelayMs: 20 });

    const s = await streamSend(t.url, u.auth, { message: 'Never ending' });
    await s.until((x) => deltaCount(x) >= 3);
    const sessionId = s.sessionId()!;
    const stopped = await stopAnswer(t.url, u.auth, sessionId);
    await s.done;

    expect(stopped.status).toBe(200);
    const parts = s.parts();
    const message = parts.find((p) => p.type === 'data-message')!.data as Record<string, unknown>;
    expect(stopped.body).toEqual({ session_id: sessionId, assistant_message_id: message.assistant_message_id });
    expect(message).toMatchObject({ interrupted: true, finish_reason: 'interrupted' });
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'interrupted' });
    const stored = (await messagesInDb(t, sessionId)).find((m) => m.role === 'assistant')!;
    expect(stored.id).toBe(message.assistant_message_id);
    expect(stored.metadata).toMatchObject({ interrupted: true, finish_reason: 'interrupted' });
    expect(stored.content).toBe(s.text());
    expect(stored.content.length).toBeLessThan(chunks.join('').length);
    await eventually('the model call aborted', () => upstream.requests[0].aborted);

    // Nothing in flight any more.
    expect((await stopAnswer(t.url, u.auth, sessionId)).status).toBe(204);
  });

  it('stops a JSON send too, and a resumed stream of a stopped answer ends interrupted', async () => {
    const u = await t.user();
    const sessionId = await createSession(t, u.auth);
    upstream.enqueue({ kind: 'text', chunks: words(200), chunkDelayMs: 20 });
    const pending = sendJson(t, u.auth, { message: 'JSON, long', session_id: sessionId });
    await eventually('the model called', () => upstream.requests.length > 0);
    await eventually(
      'a stop that finds the answer',
      async () => (await stopAnswer(t.url, u.auth, sessionId)).status === 200,
    );
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ interrupted: true, finish_reason: 'interrupted' });

    upstream.enqueue({ kind: 'text', chunks: words(200), chunkDelayMs: 20 });
    const s = await streamSend(t.url, u.auth, { message: 'SSE, long', session_id: sessionId });
    await s.until((x) => deltaCount(x) >= 2);
    s.drop();
    const follower = await resumeStream(t.url, u.auth, sessionId, s.lastId());
    await follower.until((x) => deltaCount(x) >= 1);
    expect((await stopAnswer(t.url, u.auth, sessionId)).status).toBe(200);
    await follower.done;
    expect(follower.parts().at(-1)).toEqual({ type: 'finish', finishReason: 'interrupted' });
    const stored = (await messagesInDb(t, sessionId)).filter((m) => m.role === 'assistant').at(-1)!;
    expect(stored.content).toBe(s.text() + follower.text());
  });

  it('answers 204 when nothing is in flight, 404 for a session that is not the caller’s, 400 for a bad Last-Event-ID', async () => {
    const u = await t.user();
    const other = await t.user();
    const sessionId = await createSession(t, u.auth);
    expect((await stopAnswer(t.url, u.auth, sessionId)).status).toBe(204);
    expect((await resumeStream(t.url, u.auth, sessionId)).status).toBe(204);

    upstream.enqueue({ kind: 'text', chunks: words(50), chunkDelayMs: 20 });
    const s = await streamSend(t.url, u.auth, { message: 'Mine', session_id: sessionId });
    await s.until((x) => deltaCount(x) >= 1);
    const theirs = await stopAnswer(t.url, other.auth, sessionId);
    expect([theirs.status, theirs.body.code]).toEqual([404, 'SESSION_NOT_FOUND']);
    expect((await resumeStream(t.url, other.auth, sessionId)).status).toBe(404);
    const bad = await fetch(`${t.url}/api/chat/sessions/${sessionId}/stream`, {
      headers: { ...u.auth, 'Last-Event-ID': 'abc' },
    });
    expect([bad.status, ((await bad.json()) as { code: string }).code]).toEqual([400, 'VALIDATION_FAILED']);
    await stopAnswer(t.url, u.auth, sessionId);
    await s.done;
    expect(deltasText(s.parts())).toBe(s.text());
  });
});

describe('drain on shutdown (SIGTERM runs the same app.close())', () => {
  let upstream: OpenAIUpstream;

  beforeAll(async () => {
    upstream = await startOpenAIUpstream();
  });
  afterAll(async () => {
    await upstream?.close();
  });

  /** What the database holds after the app has closed it. */
  const storedAfterClose = async (t: TestApp, sessionId: string) => {
    const db = await openDatabase(t.config);
    try {
      const { rows } = await db.query<{ role: string; content: string; metadata: Record<string, unknown> }>(
        'select role, content, metadata from public.chat_messages where session_id = $1 order by seq',
        [sessionId],
      );
      return rows;
    } finally {
      await db.close();
    }
  };

  const start = (drainSeconds: string) =>
    startTestApp({
      AI_PROVIDER: 'openai',
      OPENAI_BASE_URL: upstream.url,
      SHUTDOWN_DRAIN_SECONDS: drainSeconds,
    });

  it('fails readiness and refuses new sends at once, and lets the answer in flight finish whole', async () => {
    const t = await start('20');
    const u = await t.user();
    const chunks = words(30);
    // 3 s in all: readiness and the refused send are checked while it still runs.
    upstream.enqueue({ kind: 'text', chunks, chunkDelayMs: 100 });
    const s = await streamSend(t.url, u.auth, { message: 'Finish me' });
    await s.until((x) => deltaCount(x) >= 2);
    const sessionId = s.sessionId()!;

    const closing = t.app.close();
    const ready = await eventually('readiness answering 503', async () => {
      const res = await fetch(`${t.url}/health/ready`);
      return res.status === 503 ? ((await res.json()) as { code: string }) : undefined;
    });
    expect(ready.code).toBe('SHUTTING_DOWN');
    const refused = await sendJson(t, u.auth, { message: 'Too late', session_id: sessionId });
    expect([refused.status, refused.body.code]).toEqual([503, 'SHUTTING_DOWN']);

    await s.done;
    await closing;
    expect(s.text()).toBe(chunks.join(''));
    expect(s.parts().at(-1)).toEqual({ type: 'finish', finishReason: 'stop' });
    const stored = (await storedAfterClose(t, sessionId)).map((m) => [m.role, m.content]);
    expect(stored).toEqual([
      ['user', 'Finish me'],
      ['assistant', chunks.join('')],
    ]);
    await t.close().catch(() => undefined);
  });

  it('past SHUTDOWN_DRAIN_SECONDS stores the answer as interrupted and ends its stream so', async () => {
    const t = await start('0.3');
    const u = await t.user();
    upstream.enqueue({ kind: 'text', chunks: words(300), chunkDelayMs: 20 });
    const s = await streamSend(t.url, u.auth, { message: 'Too long for the drain' });
    await s.until((x) => deltaCount(x) >= 2);
    const sessionId = s.sessionId()!;

    const closing = t.app.close();
    await s.done;
    await closing;
    const stored = (await storedAfterClose(t, sessionId)).find((m) => m.role === 'assistant')!;
    // Cut at the drain limit, not finished: the whole answer (300 words) would end with 'stop'.
    // (No wall-clock bound: on a loaded machine storing the partial may take seconds.)
    expect(s.parts().at(-1)).toEqual({ type: 'finish', finishReason: 'interrupted' });
    expect(s.text().split(' ').length).toBeLessThan(300);
    expect(stored.metadata).toMatchObject({ interrupted: true, finish_reason: 'interrupted' });
    expect(stored.content).toBe(s.text());
    await t.close().catch(() => undefined);
  });
});
