import { eventually } from '@pulse/testkit';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectionStringFor } from '../src/config/database-url.js';
import type { Database } from '../src/database/database.js';
import { listMigrations, runMigrations } from '../src/database/migrations.js';
import { PgliteDatabase } from '../src/database/pglite.database.js';
import { PostgresDatabase } from '../src/database/postgres.database.js';
import { deltaCount, resumeStream, stopAnswer, streamPost } from './support/answers.js';
import { messagesInDb, sendJson, type Auth } from './support/chat.js';
import { createTestDatabase, TEST_DB } from './support/test-database.js';
import { useChatApp } from './support/test-app.js';

const SYSTEM = 'You are the branches e2e assistant.';

interface Message {
  id: string;
  seq: number;
  role: 'user' | 'assistant';
  content: string;
  parent_id: string | null;
  sibling_ids: string[];
  sibling_index: number;
  metadata: Record<string, unknown>;
}

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i} `);

describe(`branches: edit, regenerate, choose a branch (${TEST_DB})`, () => {
  const { t, upstream } = useChatApp({
    OPENAI_MODEL: 'branches-model',
    MAX_CONTEXT_MESSAGES: '10',
    DEFAULT_SYSTEM_PROMPT: SYSTEM,
  });

  /** What the model was last asked: [role, content] after the system prompt. */
  const lastContext = () =>
    (upstream.requests.at(-1)!.body.messages as { role: string; content: string }[])
      .filter((m) => m.role !== 'system')
      .map((m) => [m.role, m.content]);

  async function post(auth: Auth, path: string, body: unknown = {}, headers: Record<string, string> = {}) {
    const res = await fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
  }
  const regenerate = (auth: Auth, sid: string, mid: string, body = {}, headers = {}) =>
    post(auth, `/api/chat/sessions/${sid}/messages/${mid}/regenerate`, body, headers);
  const edit = (auth: Auth, sid: string, mid: string, message: string, headers = {}) =>
    post(auth, `/api/chat/sessions/${sid}/messages/${mid}/edit`, { message }, headers);
  const choose = (auth: Auth, sid: string, messageId: string) =>
    post(auth, `/api/chat/sessions/${sid}/branch`, { message_id: messageId });

  async function session(auth: Auth, sid: string): Promise<{ current_leaf_id: string | null; messages: Message[] }> {
    const res = await fetch(`${t.url}/api/chat/sessions/${sid}?limit=100`, { headers: auth });
    expect(res.status).toBe(200);
    return (await res.json()) as { current_leaf_id: string | null; messages: Message[] };
  }
  const branch = async (auth: Auth, sid: string) => (await session(auth, sid)).messages.map((m) => [m.role, m.content]);

  /** A session of `questions` exchanges (each answered "Echo: <question>"), and its messages. */
  async function conversation(auth: Auth, ...questions: string[]) {
    let sid: string | undefined;
    for (const q of questions) {
      const { status, body } = await sendJson(t, auth, { message: q, ...(sid ? { session_id: sid } : {}) });
      expect(status).toBe(200);
      sid = body.session_id as string;
    }
    return { sid: sid!, messages: (await session(auth, sid!)).messages };
  }

  it('edit: a sibling question, answered with the branch before it as memory', async () => {
    const u = await t.user();
    const { sid, messages } = await conversation(u.auth, 'Q1', 'Q2');
    const [q1, a1, q2, a2] = messages;
    expect(messages.map((m) => m.parent_id)).toEqual([null, q1.id, a1.id, q2.id]);

    upstream.enqueue({ kind: 'text', text: 'Answer to Q2b' });
    const res = await edit(u.auth, sid, q2.id, 'Q2b');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      response: 'Answer to Q2b',
      session_id: sid,
      created_session: false,
      interrupted: false,
      replayed: false,
    });
    // The model saw the branch up to the edited question's parent, then the new text: not Q2 nor its answer.
    expect(lastContext()).toEqual([
      ['user', 'Q1'],
      ['assistant', 'Echo: Q1'],
      ['user', 'Q2b'],
    ]);

    const after = await session(u.auth, sid);
    expect(after.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'Q1'],
      ['assistant', 'Echo: Q1'],
      ['user', 'Q2b'],
      ['assistant', 'Answer to Q2b'],
    ]);
    const [, , q2b, a2b] = after.messages;
    expect(q2b).toMatchObject({ id: res.body.user_message_id, parent_id: a1.id, sibling_ids: [q2.id, q2b.id] });
    expect(q2b.sibling_index).toBe(2);
    expect(a2b).toMatchObject({
      id: res.body.assistant_message_id,
      parent_id: q2b.id,
      sibling_ids: [a2b.id],
      sibling_index: 1,
    });
    expect(after.current_leaf_id).toBe(a2b.id);
    // Nothing is lost: the first version and its answer are still stored.
    expect((await messagesInDb(t, sid)).map((m) => m.id)).toEqual(expect.arrayContaining([q2.id, a2.id]));
  });

  it('edit of the first question: a second first message, asked with no history', async () => {
    const u = await t.user();
    const { sid, messages } = await conversation(u.auth, 'First', 'Second');
    const res = await edit(u.auth, sid, messages[0].id, 'First, better');
    expect(res.status).toBe(200);
    expect(lastContext()).toEqual([['user', 'First, better']]);
    const after = (await session(u.auth, sid)).messages;
    expect(after.map((m) => m.content)).toEqual(['First, better', 'Echo: First, better']);
    expect(after[0]).toMatchObject({ parent_id: null, sibling_ids: [messages[0].id, after[0].id], sibling_index: 2 });
  });

  it('regenerate: a sibling answer to the same question, asked with the question and what came before', async () => {
    const u = await t.user();
    const { sid, messages } = await conversation(u.auth, 'Q1', 'Q2', 'Q3');
    const [q1, a1, q2, a2] = messages;

    upstream.enqueue({ kind: 'text', text: 'Another take on Q2' });
    const res = await regenerate(u.auth, sid, a2.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ response: 'Another take on Q2', user_message_id: q2.id, session_id: sid });
    expect(lastContext()).toEqual([
      ['user', 'Q1'],
      ['assistant', 'Echo: Q1'],
      ['user', 'Q2'],
    ]);

    // The regenerated answer (in the middle of the chat) ends the active branch now.
    const after = (await session(u.auth, sid)).messages;
    expect(after.map((m) => m.id)).toEqual([q1.id, a1.id, q2.id, res.body.assistant_message_id]);
    expect(after[3]).toMatchObject({ parent_id: q2.id, sibling_ids: [a2.id, after[3].id], sibling_index: 2 });
    expect(after[3].metadata).toMatchObject({ reply_to: q2.id, finish_reason: 'stop' });

    // No body at all is a regenerate with the default settings.
    const bare = await fetch(`${t.url}/api/chat/sessions/${sid}/messages/${a2.id}/regenerate`, {
      method: 'POST',
      headers: u.auth,
    });
    expect(bare.status).toBe(200);
    const third = (await bare.json()) as { assistant_message_id: string };
    const last = (await session(u.auth, sid)).messages.at(-1)!;
    expect(last).toMatchObject({ id: third.assistant_message_id, sibling_index: 3 });
    expect(last.sibling_ids).toEqual([a2.id, after[3].id, third.assistant_message_id]);
  });

  it('choosing a branch changes GET session, the message pages and the next send’s memory', async () => {
    const u = await t.user();
    const { sid, messages } = await conversation(u.auth, 'Q1', 'Q2');
    const [q1, a1, q2, a2] = messages;
    const again = await regenerate(u.auth, sid, a1.id);
    expect(again.status).toBe(200);
    const a1b = again.body.assistant_message_id as string;
    expect(await branch(u.auth, sid)).toEqual([
      ['user', 'Q1'],
      ['assistant', 'Echo: Q1'],
    ]);

    // Back to the first answer: the branch follows its newest replies down to Q2's answer.
    const chosen = await choose(u.auth, sid, a1.id);
    expect(chosen.status).toBe(200);
    expect(chosen.body.current_leaf_id).toBe(a2.id);
    expect(chosen.body.messages.map((m: Message) => m.id)).toEqual([q1.id, a1.id, q2.id, a2.id]);
    expect(chosen.body.messages[1]).toMatchObject({ sibling_ids: [a1.id, a1b], sibling_index: 1 });
    expect((await session(u.auth, sid)).messages.map((m) => m.id)).toEqual([q1.id, a1.id, q2.id, a2.id]);

    const page = await fetch(`${t.url}/api/chat/sessions/${sid}/messages?limit=2`, { headers: u.auth });
    const newest = (await page.json()) as { data: Message[]; has_more: boolean };
    expect(newest.data.map((m) => m.id)).toEqual([a2.id, q2.id]);
    expect(newest.has_more).toBe(true);
    const older = await fetch(`${t.url}/api/chat/sessions/${sid}/messages?limit=5&after=${q2.id}`, {
      headers: u.auth,
    });
    expect(((await older.json()) as { data: Message[] }).data.map((m) => m.id)).toEqual([a1.id, q1.id]);
    const asc = await fetch(`${t.url}/api/chat/sessions/${sid}/messages?order=asc&limit=2&after=${q1.id}`, {
      headers: u.auth,
    });
    expect(((await asc.json()) as { data: Message[] }).data.map((m) => m.id)).toEqual([a1.id, q2.id]);
    // A cursor on another branch has nothing after it on this one, oldest first.
    const off = await fetch(`${t.url}/api/chat/sessions/${sid}/messages?order=asc&after=${a1b}`, { headers: u.auth });
    expect(((await off.json()) as { data: Message[] }).data).toEqual([]);

    // The next send continues the chosen branch and remembers it.
    const next = await sendJson(t, u.auth, { message: 'Q3', session_id: sid });
    expect(next.status).toBe(200);
    expect(lastContext()).toEqual([
      ['user', 'Q1'],
      ['assistant', 'Echo: Q1'],
      ['user', 'Q2'],
      ['assistant', 'Echo: Q2'],
      ['user', 'Q3'],
    ]);

    // And back to the regenerated answer: its branch has no Q2.
    expect((await choose(u.auth, sid, a1b)).status).toBe(200);
    await sendJson(t, u.auth, { message: 'Q2 on the other branch', session_id: sid });
    expect(lastContext()).toEqual([
      ['user', 'Q1'],
      ['assistant', upstreamText(again.body)],
      ['user', 'Q2 on the other branch'],
    ]);
  });

  const upstreamText = (result: { response: string }) => result.response;

  it('refuses what cannot be edited, regenerated or chosen, and other users’ messages', async () => {
    const u = await t.user();
    const other = await t.user();
    const { sid, messages } = await conversation(u.auth, 'Mine');
    const theirs = await conversation(other.auth, 'Theirs');
    const [q, a] = messages;
    upstream.reset();
    const code = (r: { body: { code: string } }) => r.body.code;

    expect(await regenerate(u.auth, sid, q.id)).toMatchObject({ status: 400, body: { code: 'INVALID_MESSAGE_ROLE' } });
    expect(await edit(u.auth, sid, a.id, 'x')).toMatchObject({ status: 400, body: { code: 'INVALID_MESSAGE_ROLE' } });
    const missing = randomUUID();
    for (const r of [
      await regenerate(u.auth, sid, missing),
      await edit(u.auth, sid, missing, 'x'),
      await choose(u.auth, sid, missing),
      // Someone else's message in my session: as unknown as a missing one.
      await regenerate(u.auth, sid, theirs.messages[1].id),
      await edit(u.auth, sid, theirs.messages[0].id, 'x'),
      await choose(u.auth, sid, theirs.messages[0].id),
    ]) {
      expect(r.status).toBe(404);
      expect(code(r)).toBe('MESSAGE_NOT_FOUND');
    }
    for (const r of [
      await regenerate(u.auth, theirs.sid, theirs.messages[1].id),
      await edit(u.auth, theirs.sid, theirs.messages[0].id, 'x'),
      await choose(u.auth, theirs.sid, theirs.messages[0].id),
    ]) {
      expect(r.status).toBe(404);
    }
    expect(await regenerate(u.auth, sid, 'not-a-uuid')).toMatchObject({ status: 400, body: { code: 'INVALID_ID' } });
    expect(await edit(u.auth, sid, q.id, '   ')).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(await choose(u.auth, sid, 'nope')).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    // Nothing changed for either user, and the model was asked nothing.
    expect(upstream.requests).toHaveLength(0);
    expect((await session(u.auth, sid)).messages.map((m) => m.id)).toEqual([q.id, a.id]);
    expect((await messagesInDb(t, theirs.sid)).length).toBe(2);
  });

  it('regenerate and edit stream like a send, and an Idempotency-Key replays them without storing twice', async () => {
    const u = await t.user();
    const { sid, messages } = await conversation(u.auth, 'Q1');
    const [q1, a1] = messages;
    const key = `regen-${randomUUID()}`;
    upstream.enqueue({ kind: 'text', chunks: ['Streamed ', 'again.'] });
    const s = await streamPost(
      t.url,
      `/api/chat/sessions/${sid}/messages/${a1.id}/regenerate`,
      u.auth,
      {},
      { 'Idempotency-Key': key },
    );
    await s.done;
    expect(s.status).toBe(200);
    expect(s.parts().map((p) => p.type)).toEqual([
      'start',
      'data-session',
      'text-start',
      'text-delta',
      'text-delta',
      'text-end',
      'data-message',
      'finish',
    ]);
    expect(s.parts()[1].data).toMatchObject({ session_id: sid, user_message_id: q1.id });
    expect(s.text()).toBe('Streamed again.');
    const stored = await messagesInDb(t, sid);
    expect(stored).toHaveLength(3);

    const replay = await regenerate(u.auth, sid, a1.id, {}, { 'Idempotency-Key': key });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ response: 'Streamed again.', user_message_id: q1.id, replayed: true });
    expect(upstream.requests).toHaveLength(2);
    expect(await messagesInDb(t, sid)).toHaveLength(3);
    // The same key for another request is refused, not replayed.
    expect(await regenerate(u.auth, sid, a1.id, { temperature: 1 }, { 'Idempotency-Key': key })).toMatchObject({
      status: 409,
      body: { code: 'IDEMPOTENCY_KEY_REUSED' },
    });
    expect(await edit(u.auth, sid, q1.id, '', { 'Idempotency-Key': key })).toMatchObject({ status: 400 });

    const editKey = `edit-${randomUUID()}`;
    const first = await edit(u.auth, sid, q1.id, 'Q1 edited', { 'Idempotency-Key': editKey });
    expect(first.status).toBe(200);
    const streamedReplay = await streamPost(
      t.url,
      `/api/chat/sessions/${sid}/messages/${q1.id}/edit`,
      u.auth,
      { message: 'Q1 edited' },
      { 'Idempotency-Key': editKey },
    );
    await streamedReplay.done;
    expect(streamedReplay.text()).toBe(first.body.response);
    const message = streamedReplay.parts().find((p) => p.type === 'data-message')!.data;
    expect(message).toMatchObject({ assistant_message_id: first.body.assistant_message_id, replayed: true });
    expect(await messagesInDb(t, sid)).toHaveLength(5);
    expect(upstream.requests).toHaveLength(3);
  });

  it('a failed regenerate is retried with its key: the same question is answered once', async () => {
    const u = await t.user();
    const { sid, messages } = await conversation(u.auth, 'Q1');
    const key = `retry-${randomUUID()}`;
    upstream.enqueue({ kind: 'error', status: 500 });
    const failed = await regenerate(u.auth, sid, messages[1].id, {}, { 'Idempotency-Key': key });
    expect(failed).toMatchObject({ status: 502, body: { code: 'UPSTREAM_ERROR', user_message_id: messages[0].id } });
    const retried = await regenerate(u.auth, sid, messages[1].id, {}, { 'Idempotency-Key': key });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ user_message_id: messages[0].id, replayed: false });
    expect(lastContext()).toEqual([['user', 'Q1']]);
    const after = (await session(u.auth, sid)).messages;
    expect(after.map((m) => m.id)).toEqual([messages[0].id, retried.body.assistant_message_id]);
    expect(after[1].sibling_ids).toEqual([messages[1].id, retried.body.assistant_message_id]);
  });

  it('stop on a regenerate keeps the partial answer as the new sibling; a dropped one resumes', async () => {
    const u = await t.user();
    const { sid, messages } = await conversation(u.auth, 'Q1');
    const [q1, a1] = messages;
    upstream.enqueue({ kind: 'text', chunks: words(200), chunkDelayMs: 20 });
    const s = await streamPost(t.url, `/api/chat/sessions/${sid}/messages/${a1.id}/regenerate`, u.auth, {});
    await s.until((x) => deltaCount(x) >= 3);
    const stopped = await stopAnswer(t.url, u.auth, sid);
    await s.done;
    expect(stopped.status).toBe(200);
    const data = s.parts().find((p) => p.type === 'data-message')!.data as Record<string, unknown>;
    expect(data).toMatchObject({ interrupted: true, finish_reason: 'interrupted' });
    expect(stopped.body.assistant_message_id).toBe(data.assistant_message_id);

    const after = (await session(u.auth, sid)).messages;
    expect(after.map((m) => m.id)).toEqual([q1.id, data.assistant_message_id]);
    expect(after[1]).toMatchObject({ content: s.text(), parent_id: q1.id, sibling_ids: [a1.id, after[1].id] });
    expect(after[1].metadata).toMatchObject({ interrupted: true });
    expect(after[1].content.length).toBeGreaterThan(0);
    expect(after[1].content.length).toBeLessThan(words(200).join('').length);

    // An edit's stream that the client drops goes on, and resumes from the last event it saw.
    const chunks = words(15);
    upstream.enqueue({ kind: 'text', chunks, chunkDelayMs: 15 });
    const e = await streamPost(t.url, `/api/chat/sessions/${sid}/messages/${q1.id}/edit`, u.auth, { message: 'Q1b' });
    await e.until((x) => deltaCount(x) >= 2);
    const seen = e.lastId();
    e.drop();
    const rest = await resumeStream(t.url, u.auth, sid, seen);
    await rest.done;
    expect(e.text() + rest.text()).toBe(chunks.join(''));
    await eventually(
      'the whole answer stored',
      async () => (await session(u.auth, sid)).messages.at(-1)?.content === chunks.join(''),
    );
  });

  it('a send during a regenerate waits its turn, then continues the regenerated branch', async () => {
    const u = await t.user();
    const { sid, messages } = await conversation(u.auth, 'Q1');
    const [q1, a1] = messages;
    upstream.enqueue({ kind: 'text', chunks: ['Slow ', 'second ', 'answer.'], chunkDelayMs: 60 });
    const regenerating = regenerate(u.auth, sid, a1.id);
    // The send is made once the regenerate holds the session's turn (its answer is streaming):
    // its model request is the second, after the conversation's own. (Waiting for one request
    // waited for nothing, and the send could take the turn first: CI failed on it once.)
    await eventually('the regenerate asked the model', () => upstream.requests.length === 2);
    const sending = sendJson(t, u.auth, { message: 'Q2', session_id: sid });
    const [again, next] = await Promise.all([regenerating, sending]);
    expect(again.status).toBe(200);
    expect(next.status).toBe(200);
    expect(lastContext()).toEqual([
      ['user', 'Q1'],
      ['assistant', 'Slow second answer.'],
      ['user', 'Q2'],
    ]);
    const after = (await session(u.auth, sid)).messages;
    expect(after.map((m) => m.id)).toEqual([
      q1.id,
      again.body.assistant_message_id,
      next.body.user_message_id,
      next.body.assistant_message_id,
    ]);
  });

  it('an answer in flight when another branch is chosen lands on its own branch without moving the choice', async () => {
    const u = await t.user();
    const { sid, messages } = await conversation(u.auth, 'Q1', 'Q2');
    const [, a1, q2, a2] = messages;
    const a1b = (await regenerate(u.auth, sid, a1.id)).body.assistant_message_id as string;
    expect((await choose(u.auth, sid, a2.id)).body.current_leaf_id).toBe(a2.id);

    upstream.enqueue({ kind: 'text', chunks: words(10), chunkDelayMs: 30 });
    const s = await streamPost(t.url, `/api/chat/sessions/${sid}/messages/${a2.id}/regenerate`, u.auth, {});
    await s.until((x) => deltaCount(x) >= 1);
    const chosen = await choose(u.auth, sid, a1b);
    expect(chosen.status).toBe(200);
    await s.done;
    const after = await session(u.auth, sid);
    // The branch chosen meanwhile stays active; the new answer is stored as one of Q2's answers.
    expect(after.current_leaf_id).toBe(a1b);
    const data = s.parts().find((p) => p.type === 'data-message')!.data as { assistant_message_id: string };
    const q2Answers = (await messagesInDb(t, sid)).filter(
      (m) => m.role === 'assistant' && m.seq > q2.seq && m.id !== a1b,
    );
    expect(q2Answers.map((m) => m.id)).toEqual([a2.id, data.assistant_message_id]);
  });
});

describe(`branches migration (${TEST_DB})`, () => {
  // A fresh PGlite runs initdb and every migration: slow on a loaded machine.
  it('turns linear sessions into branches without losing a message', async () => {
    const migrations = await listMigrations();
    const mine = migrations.findIndex((m) => m.name === 'message_branches');
    expect(mine).toBeGreaterThan(0);
    // The migrations before this one, in a folder of their own.
    const before = mkdtempSync(join(tmpdir(), 'pulse-migrations-'));
    for (const m of migrations.slice(0, mine)) symlinkSync(m.path, join(before, `${m.version}_${m.name}.sql`));

    const database = TEST_DB === 'pglite' ? undefined : await createTestDatabase();
    const pgliteDir = TEST_DB === 'pglite' ? mkdtempSync(join(tmpdir(), 'pulse-branches-')) : undefined;
    const db: Database = database
      ? new PostgresDatabase(connectionStringFor(database.env.DATABASE_URL), 1)
      : await PgliteDatabase.open(join(pgliteDir!, 'pglite'));
    try {
      await runMigrations(db, before);
      const user = randomUUID();
      const [long, cleared, empty] = [randomUUID(), randomUUID(), randomUUID()];
      await db.execScript(`
        insert into public.users (id) values ('${user}');
        insert into public.chat_sessions (id, user_id, last_seq) values
          ('${long}', '${user}', 5), ('${cleared}', '${user}', 7), ('${empty}', '${user}', 3);
        insert into public.chat_messages (session_id, seq, role, content)
          select '${long}', g, case when g % 2 = 1 then 'user' else 'assistant' end, 'long ' || g
            from generate_series(1, 5) g;
        -- A session cleared after seq 4: its remaining messages start at 5.
        insert into public.chat_messages (session_id, seq, role, content)
          select '${cleared}', g, case when g % 2 = 1 then 'user' else 'assistant' end, 'cleared ' || g
            from generate_series(5, 7) g;
      `);
      const beforeRows = await db.query<{ id: string; seq: number; content: string }>(
        'select id, seq::int as seq, content from public.chat_messages order by session_id, seq',
      );

      // This one first; the later ones (feedback, summaries) add tables and leave these rows alone.
      expect((await runMigrations(db))[0]).toBe(`${migrations[mine].version}_message_branches`);

      const rows = await db.query<{ session_id: string; id: string; seq: number; content: string; parent: string }>(
        `select m.session_id, m.id, m.seq::int as seq, m.content, p.seq::int::text as parent
           from public.chat_messages m left join public.chat_messages p on p.id = m.parent_id
          order by m.session_id, m.seq`,
      );
      expect(rows.rows.map(({ id, seq, content }) => ({ id, seq, content }))).toEqual(beforeRows.rows);
      const parents = (sid: string) => rows.rows.filter((r) => r.session_id === sid).map((r) => [r.seq, r.parent]);
      expect(parents(long)).toEqual([
        [1, null],
        [2, '1'],
        [3, '2'],
        [4, '3'],
        [5, '4'],
      ]);
      expect(parents(cleared)).toEqual([
        [5, null],
        [6, '5'],
        [7, '6'],
      ]);
      const leaves = await db.query<{ id: string; leaf: number | null }>(
        `select s.id, m.seq::int as leaf from public.chat_sessions s
           left join public.chat_messages m on m.id = s.current_leaf_id`,
      );
      expect(Object.fromEntries(leaves.rows.map((r) => [r.id, r.leaf]))).toEqual({
        [long]: 5,
        [cleared]: 7,
        [empty]: null,
      });
    } finally {
      await db.close();
      await database?.drop();
      if (pgliteDir) rmSync(pgliteDir, { recursive: true, force: true });
      rmSync(before, { recursive: true, force: true });
    }
  }, 180_000);
});
