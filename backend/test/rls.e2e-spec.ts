import { jest } from '@jest/globals';
import { startTestApp, TEST_DB, type TestApp } from './support/test-app.js';

// Starting an app takes seconds on a loaded 2-core machine; the project-level testTimeout does not reach hooks.
jest.setTimeout(30_000);

/**
 * Goes around the API on purpose: statements run in the same per-user transaction the
 * services use (db.asUser), with no `where user_id = ...`. Row-level security alone must
 * keep each user to their own rows, so a missing filter in a repository cannot leak.
 */
describe(`row-level security (${TEST_DB})`, () => {
  let t: TestApp;
  let a: string;
  let b: string;
  let aSessions: string[];
  let bSessions: string[];

  const insertSession = async (userId: string, title: string) =>
    (
      await t.db.query<{ id: string }>(
        'insert into public.chat_sessions (user_id, title) values ($1, $2) returning id',
        [userId, title],
      )
    ).rows[0].id;
  const insertMessage = (sessionId: string, seq: number, content: string) =>
    t.db.query('insert into public.chat_messages (session_id, seq, role, content) values ($1, $2, $3, $4)', [
      sessionId,
      seq,
      'user',
      content,
    ]);
  const snapshot = async () => ({
    sessions: (await t.db.query('select id, user_id, title, is_active from public.chat_sessions order by id')).rows,
    messages: (await t.db.query('select id, session_id, content from public.chat_messages order by id')).rows,
  });

  beforeAll(async () => {
    t = await startTestApp();
    a = (await t.user()).id;
    b = (await t.user()).id;
    // Written as the service role (the owner of the tables), which RLS does not restrict.
    aSessions = [await insertSession(a, 'A one'), await insertSession(a, 'A two')];
    bSessions = [await insertSession(b, 'B one'), await insertSession(b, 'B two'), await insertSession(b, 'B three')];
    for (const [i, s] of [...aSessions, ...bSessions].entries()) {
      await insertMessage(s, 1, `first of ${i}`);
      await insertMessage(s, 2, `second of ${i}`);
    }
  });
  afterAll(() => t.close());

  it('lets the service role see every row', async () => {
    const { rows } = await t.db.query<{ n: number }>('select count(*)::int as n from public.chat_sessions');
    expect(rows[0].n).toBe(5);
    const msgs = await t.db.query<{ n: number }>('select count(*)::int as n from public.chat_messages');
    expect(msgs.rows[0].n).toBe(10);
  });

  it('shows a user only their own sessions, even without a WHERE clause', async () => {
    const rows = await t.db.asUser(
      a,
      async (tx) => (await tx.query<{ id: string; user_id: string }>('select * from public.chat_sessions')).rows,
    );
    expect(rows.map((r) => r.id).sort()).toEqual([...aSessions].sort());
    expect(new Set(rows.map((r) => r.user_id))).toEqual(new Set([a]));

    const asB = await t.db.asUser(
      b,
      async (tx) => (await tx.query<{ id: string }>('select id from public.chat_sessions')).rows,
    );
    expect(asB.map((r) => r.id).sort()).toEqual([...bSessions].sort());
  });

  it('shows a user only the messages of their own sessions', async () => {
    const rows = await t.db.asUser(
      a,
      async (tx) => (await tx.query<{ session_id: string }>('select * from public.chat_messages')).rows,
    );
    expect(rows).toHaveLength(4);
    expect(new Set(rows.map((r) => r.session_id))).toEqual(new Set(aSessions));
  });

  it("finds nothing when asking for another user's session by id", async () => {
    const rows = await t.db.asUser(a, async (tx) => {
      const s = await tx.query('select * from public.chat_sessions where id = $1', [bSessions[0]]);
      const m = await tx.query('select * from public.chat_messages where session_id = $1', [bSessions[0]]);
      return [...s.rows, ...m.rows];
    });
    expect(rows).toEqual([]);
  });

  it("updates and deletes none of another user's rows", async () => {
    const before = await snapshot();
    const counts = await t.db.asUser(a, async (tx) => {
      const n: Record<string, number> = {};
      n.updateB = (await tx.query(`update public.chat_sessions set title = 'pwned' where user_id = $1`, [b])).rowCount;
      n.archiveB = (
        await tx.query('update public.chat_sessions set is_active = false where id = $1', [bSessions[1]])
      ).rowCount;
      n.updateMsgsB = (
        await tx.query(`update public.chat_messages set content = 'pwned' where session_id = any($1::uuid[])`, [
          bSessions,
        ])
      ).rowCount;
      n.deleteMsgsB = (
        await tx.query('delete from public.chat_messages where session_id = $1', [bSessions[2]])
      ).rowCount;
      n.deleteB = (await tx.query('delete from public.chat_sessions where user_id = $1', [b])).rowCount;
      return n;
    });
    expect(counts).toEqual({ updateB: 0, archiveB: 0, updateMsgsB: 0, deleteMsgsB: 0, deleteB: 0 });
    expect(await snapshot()).toEqual(before);
  });

  it('limits an unfiltered update or delete to the caller’s own rows', async () => {
    const before = await snapshot();
    const touched = await t.db
      .asUser(a, async (tx) => {
        const updated = (await tx.query(`update public.chat_sessions set title = title || ''`)).rowCount;
        const deleted = (await tx.query('delete from public.chat_messages')).rowCount;
        // Rolled back: only the counts matter here.
        throw Object.assign(new Error('rollback'), { counts: { updated, deleted } });
      })
      .catch((err: { counts?: object }) => err.counts);
    expect(touched).toEqual({ updated: 2, deleted: 4 });
    expect(await snapshot()).toEqual(before);
  });

  it('refuses to create a session for another user', async () => {
    await expect(
      t.db.asUser(a, (tx) => tx.query(`insert into public.chat_sessions (user_id, title) values ($1, 'planted')`, [b])),
    ).rejects.toThrow(/row-level security/);
    const { rows } = await t.db.query(`select 1 from public.chat_sessions where title = 'planted'`);
    expect(rows).toEqual([]);
  });

  it("refuses to add a message to another user's session", async () => {
    await expect(
      t.db.asUser(a, (tx) =>
        tx.query(
          `insert into public.chat_messages (session_id, seq, role, content) values ($1, 99, 'user', 'planted')`,
          [bSessions[0]],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    const { rows } = await t.db.query(`select 1 from public.chat_messages where content = 'planted'`);
    expect(rows).toEqual([]);
  });

  it('refuses to hand one of your sessions to another user', async () => {
    await expect(
      t.db.asUser(a, (tx) => tx.query('update public.chat_sessions set user_id = $1 where id = $2', [b, aSessions[0]])),
    ).rejects.toThrow(/row-level security/);
    const { rows } = await t.db.query('select user_id from public.chat_sessions where id = $1', [aSessions[0]]);
    expect(rows).toEqual([{ user_id: a }]);
  });

  it("refuses to move a message into another user's session", async () => {
    const mine = await t.db.query<{ id: string }>('select id from public.chat_messages where session_id = $1 limit 1', [
      aSessions[0],
    ]);
    await expect(
      t.db.asUser(a, (tx) =>
        tx.query('update public.chat_messages set session_id = $1, seq = 50 where id = $2', [
          bSessions[0],
          mine.rows[0].id,
        ]),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('lets a user write their own rows through the same transaction', async () => {
    const id = await t.db.asUser(a, async (tx) => {
      const s = await tx.query<{ id: string }>(
        `insert into public.chat_sessions (user_id, title) values ($1, 'mine') returning id`,
        [a],
      );
      await tx.query(`insert into public.chat_messages (session_id, seq, role, content) values ($1, 1, 'user', 'hi')`, [
        s.rows[0].id,
      ]);
      return s.rows[0].id;
    });
    const { rows } = await t.db.query('select user_id from public.chat_sessions where id = $1', [id]);
    expect(rows).toEqual([{ user_id: a }]);
  });

  it('shows nothing to a transaction without a user', async () => {
    const rows = await t.db.transaction(async (tx) => {
      await tx.query(`select set_config('role', 'authenticated', true)`);
      return (await tx.query('select * from public.chat_sessions')).rows;
    });
    expect(rows).toEqual([]);
  });
});
