import { eventually, partsOf, readSse } from '@pulse/testkit';
import { messagesInDb, send, sendJson, storedMessages } from './support/chat.js';
import { type TestApp, useChatApp } from './support/test-app.js';

/** The idempotency ledger's state for one key, straight from the database. */
async function keyStatus(t: TestApp, userId: string, key: string): Promise<string | undefined> {
  const { rows } = await t.db.query<{ status: string }>(
    'select status from public.chat_send_requests where user_id = $1 and idempotency_key = $2',
    [userId, key],
  );
  return rows[0]?.status;
}

describe('odd upstream answers and failed sends: everything streamed is stored, every failure can be retried', () => {
  const { t, upstream } = useChatApp({ CHAT_TIMEOUT: '1.5' });

  // A NUL, a surrogate pair split across two deltas (one emoji), a lone low and a lone high surrogate.
  const ODD = {
    kind: 'text' as const,
    chunks: ['Hel\u0000lo ', 'wor\u0000ld \ud83d', '\ude00 ok \udfff', ' end \ud800'],
    model: 'gpt\u0000-odd\ud800',
    finishReason: 'stop\u0000',
  };
  const CLEAN = 'Hello world \u{1F600} ok \uFFFD end \uFFFD';

  it('cleans a JSON answer (NUL dropped, lone surrogates as U+FFFD), stores it and replays it for the key', async () => {
    const u = await t.user();
    upstream.enqueue(ODD);

    const res = await sendJson(t, u.auth, { message: 'Say something odd' }, { idempotencyKey: 'odd-json' });

    expect(res.status).toBe(200);
    expect([res.body.response, res.body.model, res.body.finish_reason]).toEqual([CLEAN, 'gpt-odd\uFFFD', 'stop']);
    const stored = await storedMessages(t, u.auth, res.body.session_id);
    expect(stored.map((m) => [m.role, m.content])).toEqual([
      ['user', 'Say something odd'],
      ['assistant', CLEAN],
    ]);
    expect(stored[1].metadata).toEqual(expect.objectContaining({ model: 'gpt-odd\uFFFD', finish_reason: 'stop' }));
    expect(await keyStatus(t, u.id, 'odd-json')).toBe('completed');

    const again = await sendJson(t, u.auth, { message: 'Say something odd' }, { idempotencyKey: 'odd-json' });
    expect([again.status, again.body.replayed, again.body.response]).toEqual([200, true, CLEAN]);
    expect(upstream.requests).toHaveLength(1);
  });

  it('streams exactly the cleaned text it stores', async () => {
    const u = await t.user();
    upstream.enqueue(ODD);

    const res = await send(t, u.auth, { message: 'Stream something odd' }, { stream: true, idempotencyKey: 'odd-sse' });
    const parts = partsOf(await readSse(res.body!));

    const streamed = parts.filter((p) => p.type === 'text-delta').map((p) => p.delta as string);
    expect(streamed.join('')).toBe(CLEAN);
    expect(parts.some((p) => p.type === 'data-error')).toBe(false);
    const message = parts.find((p) => p.type === 'data-message')!.data as Record<string, unknown>;
    expect(message.model).toBe('gpt-odd\uFFFD');
    const sessionId = (parts.find((p) => p.type === 'data-session')!.data as { session_id: string }).session_id;
    const stored = await storedMessages(t, u.auth, sessionId);
    expect(stored.map((m) => m.content)).toEqual(['Stream something odd', CLEAN]);
    expect(await keyStatus(t, u.id, 'odd-sse')).toBe('completed');
  });

  it('settles the key as failed when the answer cannot be stored, so a retry answers the stored question', async () => {
    const u = await t.user();
    // A real database refusal of the answer's insert (what a NUL used to cause), for this one answer only.
    await t.db.query(`
      create or replace function public.test_refuse_answer() returns trigger language plpgsql as $$
      begin
        if new.role = 'assistant' and new.content like '%refuse-me%' then
          raise exception 'test: answer refused';
        end if;
        return new;
      end $$`);
    await t.db.query(`create trigger test_refuse_answer before insert on public.chat_messages
      for each row execute function public.test_refuse_answer()`);
    try {
      upstream.enqueue({ kind: 'text', text: 'refuse-me please' });
      const first = await sendJson(t, u.auth, { message: 'Retry me' }, { idempotencyKey: 'insert-fails' });
      expect(first.status).toBeGreaterThanOrEqual(500);
      expect(first.body.code).toEqual(expect.any(String));
      expect(await keyStatus(t, u.id, 'insert-fails')).toBe('failed');

      upstream.enqueue({ kind: 'text', text: 'A stored answer.' });
      const retry = await sendJson(t, u.auth, { message: 'Retry me' }, { idempotencyKey: 'insert-fails' });
      expect([retry.status, retry.body.response, retry.body.replayed]).toEqual([200, 'A stored answer.', false]);
      const stored = await messagesInDb(t, retry.body.session_id);
      expect(stored.map((m) => [m.role, m.content])).toEqual([
        ['user', 'Retry me'],
        ['assistant', 'A stored answer.'],
      ]);
    } finally {
      await t.db.query('drop trigger if exists test_refuse_answer on public.chat_messages');
      await t.db.query('drop function if exists public.test_refuse_answer()');
    }
  });

  describe('a failed first send tells where its question is stored', () => {
    it('puts session_id and user_message_id in the 502 body; a retry with that session_id answers there', async () => {
      const u = await t.user();
      upstream.enqueue({ kind: 'error', status: 500 });

      const failed = await sendJson(t, u.auth, { message: 'Where did it go?' });

      expect([failed.status, failed.body.code]).toEqual([502, 'UPSTREAM_ERROR']);
      expect(failed.body).toEqual(
        expect.objectContaining({ session_id: expect.any(String), user_message_id: expect.any(String) }),
      );
      const stored = await messagesInDb(t, failed.body.session_id);
      expect(stored.map((m) => [m.id, m.role])).toEqual([[failed.body.user_message_id, 'user']]);

      const retry = await sendJson(t, u.auth, { message: 'Where did it go?', session_id: failed.body.session_id });
      expect([retry.status, retry.body.session_id, retry.body.created_session]).toEqual([
        200,
        failed.body.session_id,
        false,
      ]);
      const { rows } = await t.db.query('select id from public.chat_sessions where user_id = $1', [u.id]);
      expect(rows).toHaveLength(1);
    });

    it('with the same Idempotency-Key, a retry answers the stored question without storing it again', async () => {
      const u = await t.user();
      upstream.enqueue({ kind: 'hang' });
      const failed = await sendJson(t, u.auth, { message: 'Answer me later' }, { idempotencyKey: 'k-504' });
      expect([failed.status, failed.body.code]).toEqual([504, 'UPSTREAM_TIMEOUT']);
      expect(failed.body.user_message_id).toEqual(expect.any(String));

      const retry = await sendJson(t, u.auth, { message: 'Answer me later' }, { idempotencyKey: 'k-504' });
      expect(retry.status).toBe(200);
      expect([retry.body.session_id, retry.body.user_message_id]).toEqual([
        failed.body.session_id,
        failed.body.user_message_id,
      ]);
      const stored = await messagesInDb(t, failed.body.session_id);
      expect(stored.map((m) => m.role)).toEqual(['user', 'assistant']);
    });

    it("puts them in the stream's data-error too", async () => {
      const u = await t.user();
      upstream.enqueue({ kind: 'cut', afterChunks: 1, text: 'half an answer' });

      const res = await send(t, u.auth, { message: 'Stream then fail' }, { stream: true });
      const parts = partsOf(await readSse(res.body!));

      const session = parts.find((p) => p.type === 'data-session')!.data as Record<string, string>;
      const error = parts.find((p) => p.type === 'data-error')!.data as Record<string, string>;
      expect(error).toEqual(
        expect.objectContaining({
          code: 'UPSTREAM_BAD_RESPONSE',
          session_id: session.session_id,
          user_message_id: session.user_message_id,
        }),
      );
    });
  });

  it('stores no answer when the answer is stopped before its first word; the history shows the question alone', async () => {
    const u = await t.user();
    // The first word would come long after the stop (and after CHAT_TIMEOUT: the stop must win first).
    upstream.enqueue({ kind: 'text', text: 'Too late to hear this', firstTokenDelayMs: 60_000 });
    const res = await send(t, u.auth, { message: 'Never mind' }, { stream: true, idempotencyKey: 'left-early' });
    let sessionId = '';
    let stopped: Promise<Response> | undefined;
    const parts: { type: string }[] = [];
    await readSse(res.body!, (item) => {
      if (item.kind !== 'event' || item.data === '[DONE]') return;
      const part = JSON.parse(item.data) as { type: string; data?: { session_id: string } };
      parts.push(part);
      if (part.type === 'data-session' && part.data) {
        sessionId = part.data.session_id;
        stopped = fetch(`${t.url}/api/chat/sessions/${sessionId}/stop`, { method: 'POST', headers: u.auth });
      }
    });

    // 200: the stop found the answer in flight and ended it (204 would mean the timeout got there first).
    expect((await stopped)?.status).toBe(200);
    expect(parts.some((p) => p.type === 'text-delta')).toBe(false);
    expect(parts.find((p) => p.type === 'data-error')).toBeUndefined();
    await eventually('the model call aborted', () => upstream.requests[0]?.aborted);
    // The key is settled as failed: a retry with it would answer the stored question.
    await eventually('the key settled as failed', async () => (await keyStatus(t, u.id, 'left-early')) === 'failed');
    const stored = await storedMessages(t, u.auth, sessionId);
    expect(stored.map((m) => [m.role, m.content])).toEqual([['user', 'Never mind']]);
  });
});
