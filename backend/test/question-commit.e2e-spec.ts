import { eventually } from '@pulse/testkit';
import { createSession, messagesInDb, send, sendJson } from './support/chat.js';
import { useChatApp } from './support/test-app.js';
import { TEST_DB_KIND } from './support/test-database.js';

const POISON = 'This question fails at COMMIT';

/**
 * The model is asked while the question's COMMIT is in flight (issue 9). These sends fail at
 * that COMMIT: a deferred constraint trigger, checked only when the transaction commits, refuses
 * the question after every statement of the transaction has succeeded and the model was asked.
 */
describe('POST /api/chat/send when the question cannot be committed', () => {
  const { t, upstream } = useChatApp();
  beforeAll(async () => {
    await t.db.execScript(`
      create function public.fail_at_commit() returns trigger language plpgsql as $$
      begin
        -- Long enough for the model's request to reach the upstream while the commit still runs.
        perform pg_sleep(0.3);
        raise exception 'refused at commit';
      end $$;
      create constraint trigger fail_at_commit after insert on public.chat_messages
        deferrable initially deferred for each row
        when (new.content = '${POISON}') execute function public.fail_at_commit();
    `);
  });

  /**
   * Every request the model got was hung up on. On Postgres the request is out while the commit
   * sleeps; PGlite runs in Pulse's own thread, so there it is aborted before it leaves.
   */
  const noModelCallLeft = () => eventually('every model call aborted', () => upstream.requests.every((r) => r.aborted));

  it('answers a JSON send with the commit error, stores nothing, and aborts the model call', async () => {
    const u = await t.user();
    // The model would answer, slowly: it is still thinking when the commit fails.
    upstream.enqueue({ kind: 'text', text: 'An answer nobody may see', firstTokenDelayMs: 2000 });

    const res = await sendJson(t, u.auth, { message: POISON });

    expect(res.status).toBe(500);
    expect(res.body).toEqual(expect.objectContaining({ code: 'INTERNAL_ERROR' }));
    expect(JSON.stringify(res.body)).not.toContain('An answer nobody may see');
    // Not even the session the send would have created.
    const sessions = await t.db.query('select 1 from public.chat_sessions where user_id = $1', [u.id]);
    expect(sessions.rowCount).toBe(0);
    await noModelCallLeft();
  });

  /**
   * A plain send to a session this process answered before asks the model before the question
   * even leaves for the database, from the window it stored last (a guess the stored window must
   * confirm). Postgres shows it: the request reaches the model while the commit sleeps.
   */
  it('asks the model before storing a question in a chat it knows, and hangs up when the commit fails', async () => {
    const u = await t.user();
    const sessionId = await createSession(t, u.auth);
    const first = await sendJson(t, u.auth, { message: 'Hello there', session_id: sessionId });
    expect(first.status).toBe(200);
    upstream.reset();
    upstream.enqueue({ kind: 'text', text: 'An answer nobody may see', firstTokenDelayMs: 2000 });

    const res = await sendJson(t, u.auth, { message: POISON, session_id: sessionId });

    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toContain('An answer nobody may see');
    expect((await messagesInDb(t, sessionId)).map((m) => m.content)).toEqual(['Hello there', first.body.response]);
    if (TEST_DB_KIND === 'postgres') {
      expect(upstream.requests.map((r) => r.body.messages.slice(1))).toEqual([
        [
          { role: 'user', content: 'Hello there' },
          { role: 'assistant', content: first.body.response },
          { role: 'user', content: POISON },
        ],
      ]);
    }
    await noModelCallLeft();
  });

  it('asks again with the stored window when the one it guessed turns out wrong', async () => {
    const u = await t.user();
    const sessionId = await createSession(t, u.auth);
    const first = await sendJson(t, u.auth, { message: 'Hello there', session_id: sessionId });
    // Another writer (Supabase's Data API, say) adds an exchange this process never saw.
    await t.db.query(
      `with q as (
         insert into public.chat_messages (session_id, seq, role, content, parent_id)
         values ($1, 3, 'user', 'Written elsewhere', $2) returning id
       ), a as (
         insert into public.chat_messages (session_id, seq, role, content, parent_id)
         select $1, 4, 'assistant', 'Answered elsewhere', q.id from q returning id
       )
       update public.chat_sessions set current_leaf_id = a.id, last_seq = 4 from a where chat_sessions.id = $1`,
      [sessionId, first.body.assistant_message_id],
    );
    upstream.reset();
    // Slow enough that the guessed call is still waiting for its first token when it is hung up on.
    for (let i = 0; i < 2; i += 1) upstream.enqueue({ kind: 'text', text: 'Now this', firstTokenDelayMs: 300 });

    const res = await sendJson(t, u.auth, { message: 'And now?', session_id: sessionId });

    expect(res.status).toBe(200);
    expect(res.body.response).toBe('Now this');
    const answered = upstream.requests.filter((r) => !r.aborted);
    expect(answered.map((r) => r.body.messages.slice(1).map((m: { content: string }) => m.content))).toEqual([
      ['Hello there', first.body.response, 'Written elsewhere', 'Answered elsewhere', 'And now?'],
    ]);
    expect((await messagesInDb(t, sessionId)).map((m) => m.content)).toEqual([
      'Hello there',
      first.body.response,
      'Written elsewhere',
      'Answered elsewhere',
      'And now?',
      'Now this',
    ]);
  });

  it('answers a streamed send with a plain error (no stream, no answer text) and settles the key', async () => {
    const u = await t.user();
    const sessionId = await createSession(t, u.auth);
    upstream.enqueue({ kind: 'text', text: 'An answer nobody may see', firstTokenDelayMs: 2000 });

    const res = await send(
      t,
      u.auth,
      { message: POISON, session_id: sessionId },
      { stream: true, idempotencyKey: 'k1' },
    );

    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await res.text();
    expect(JSON.parse(body)).toEqual(expect.objectContaining({ code: 'INTERNAL_ERROR' }));
    expect(body).not.toContain('An answer nobody may see');
    expect(await messagesInDb(t, sessionId)).toEqual([]);
    await noModelCallLeft();

    // The key was rolled back with the question, so the same request goes through once the fault is gone.
    await t.db.query('drop trigger fail_at_commit on public.chat_messages');
    const retry = await sendJson(t, u.auth, { message: POISON, session_id: sessionId }, { idempotencyKey: 'k1' });
    expect(retry.status).toBe(200);
    expect((await messagesInDb(t, sessionId)).map((m) => [m.role, m.content])).toEqual([
      ['user', POISON],
      ['assistant', retry.body.response],
    ]);
  });
});
