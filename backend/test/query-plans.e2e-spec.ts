import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { UsersRepository } from '../src/auth/users.repository.js';
import { SendRequestsRepository } from '../src/sessions/send-requests.repository.js';
import { SummariesRepository } from '../src/memory/summaries.repository.js';
import type { Database, Queryable } from '../src/database/database.js';
import { FeedbackRepository } from '../src/feedback/feedback.repository.js';
import { runMigrations } from '../src/database/migrations.js';
import { PgliteDatabase } from '../src/database/pglite.database.js';
import { PostgresDatabase } from '../src/database/postgres.database.js';
import { MessagesRepository } from '../src/sessions/messages.repository.js';
import { SearchRepository } from '../src/search/search.repository.js';
import { SessionsRepository } from '../src/sessions/sessions.repository.js';
import { connectionStringFor, transactionPoolerHint } from '../src/config/database-url.js';
import { createTestDatabase, TEST_DB, type TestDatabase } from './support/test-database.js';

// Seeding 100,000 messages and 10,000 sessions takes a while on a loaded machine.
jest.setTimeout(240_000);

const BIG_SESSION_MESSAGES = 100_000;
const MANY_SESSIONS = 10_000;
const OTHER_USERS = 1_000;
const WATCHED = new Set(['chat_messages', 'chat_sessions', 'chat_summaries', 'chat_message_feedback']);

/**
 * GIN indexes are read through bitmaps. This one has the session in its key, so its bitmap
 * holds one session's matching messages, not the table's (see the search migration).
 */
const SESSION_SCOPED_BITMAP_INDEXES = new Set(['chat_messages_search_idx']);

/**
 * Statements that by definition touch every row of a session: deleting all of its
 * messages. Anything else that reads the whole session or the whole user fails.
 */
const WHOLE_SESSION_ON_PURPOSE = new Set(['MessagesRepository.clear']);

interface Recorded {
  sql: string;
  params: unknown[];
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Plan Rows': number;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** Runs nothing: keeps each statement a repository method sends, with its parameters. */
class Recorder implements Queryable {
  readonly statements: Recorded[] = [];
  query<T>(sql: string, params: unknown[] = []) {
    this.statements.push({ sql, params });
    // `claim` reads a second statement only when the insert found the key taken.
    return Promise.resolve({ rows: [] as T[], rowCount: 0 });
  }
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  // A uuid[] parameter, as the driver sends it: an array literal.
  if (Array.isArray(value)) return `'{${value.join(',')}}'`;
  // oxlint-disable-next-line typescript/no-base-to-string -- what is left is a string or a uuid parameter.
  return `'${String(value).replace(/'/g, "''")}'`;
}

function* walk(node: PlanNode, ancestors: PlanNode[] = []): Generator<{ node: PlanNode; ancestors: PlanNode[] }> {
  yield { node, ancestors };
  for (const child of node.Plans ?? []) yield* walk(child, [...ancestors, node]);
}

/** A fresh migrated database of TEST_DB's kind, with a pool of `poolSize` connections on Postgres. */
async function openMigrated(database: TestDatabase, poolSize: number): Promise<Database> {
  const db = database.env.DATABASE_URL
    ? new PostgresDatabase(connectionStringFor(database.env.DATABASE_URL), poolSize, {
        preparedStatements: !transactionPoolerHint(database.env.DATABASE_URL),
      })
    : await PgliteDatabase.open(database.env.PGLITE_DATA_DIR);
  await runMigrations(db);
  return db;
}

/** The plan in the rows of an `explain (format json)`: Postgres gives it as json, PGlite as text. */
function planIn(rows: Record<string, unknown>[]): PlanNode {
  const raw = Object.values(rows[0])[0];
  return ((typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[])[0].Plan;
}

/** What is wrong with a plan: scans that read a whole table, session or user, and sorts above them. */
function problems(plan: PlanNode): string[] {
  const found: string[] = [];
  for (const { node, ancestors } of walk(plan)) {
    const rel = node['Relation Name'];
    if (!rel || !WATCHED.has(rel)) continue;
    const type = node['Node Type'];
    if (type === 'Seq Scan') found.push(`Seq Scan on ${rel}`);
    // A bitmap scan fetches every matching row before any LIMIT applies: the whole session or user.
    const sessionScoped = (node.Plans ?? []).every(
      (p) => p['Node Type'] === 'Bitmap Index Scan' && SESSION_SCOPED_BITMAP_INDEXES.has(p['Index Name'] ?? ''),
    );
    if (type === 'Bitmap Heap Scan' && !sessionScoped) found.push(`Bitmap Heap Scan on ${rel}`);
    // Sorting a LIMITed handful (an ordered aggregate over the page) is fine; sorting the scan itself is not.
    const nearest = ancestors.findLast((a) => /^(Limit|Sort|Incremental Sort)$/.test(a['Node Type']));
    if (nearest && nearest['Node Type'] !== 'Limit') found.push(`Sort above a ${type} on ${rel}`);
  }
  return found;
}

/**
 * Every SQL statement the API's repositories send, explained with Postgres' generic plan
 * (Pulse prepares its statements, so the generic plan is the one that runs) as role
 * `authenticated` with the claims Pulse sets, on a session of 100,000 messages and a
 * user of 10,000 sessions. A plan that reads a whole session or user fails the test.
 */
describe(`query plans at size (${TEST_DB})`, () => {
  let database: TestDatabase;
  let db: Database;
  const bigUser = randomUUID();
  const manyUser = randomUUID();
  const bigSession = randomUUID();
  let manySession: string;
  let midMessage: { id: string; seq: number };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openMigrated(database, 2);
    await db.execScript(`
      insert into public.users (id) values ('${bigUser}'), ('${manyUser}');
      insert into public.chat_sessions (id, user_id, title, last_seq) values ('${bigSession}', '${bigUser}', 'long', ${BIG_SESSION_MESSAGES + 2});
      -- One long branch (each message follows the one before), ids derived from seq so parents can be named.
      insert into public.chat_messages (id, session_id, seq, role, content, parent_id)
        select md5('big' || g)::uuid, '${bigSession}', g, case when g % 2 = 1 then 'user' else 'assistant' end,
               'message number ' || g, case when g > 1 then md5('big' || (g - 1))::uuid end
          from generate_series(1, ${BIG_SESSION_MESSAGES}) g;
      -- Two regenerated answers beside message 50000: siblings off the active branch.
      insert into public.chat_messages (id, session_id, seq, role, content, parent_id)
        select md5('alt' || k)::uuid, '${bigSession}', ${BIG_SESSION_MESSAGES} + k, 'assistant', 'again ' || k,
               md5('big' || 49999)::uuid
          from generate_series(1, 2) k;
      update public.chat_sessions set current_leaf_id = md5('big' || ${BIG_SESSION_MESSAGES})::uuid where id = '${bigSession}';
      insert into public.chat_sessions (user_id, title, updated_at, last_seq)
        select '${manyUser}', 'chat ' || g, now() - make_interval(secs => g), 2 from generate_series(1, ${MANY_SESSIONS}) g;
      insert into public.chat_messages (id, session_id, seq, role, content, parent_id)
        select md5(s.id::text || g)::uuid, s.id, g, case when g = 1 then 'user' else 'assistant' end, 'hello',
               case when g = 2 then md5(s.id::text || 1)::uuid end
          from public.chat_sessions s, generate_series(1, 2) g where s.user_id = '${manyUser}';
      update public.chat_sessions set current_leaf_id = md5(id::text || 2)::uuid where user_id = '${manyUser}';
      -- A thousand other users with a session each, so the statistics know a user owns a small
      -- part of the table (with two users a generic plan expects half of it), and a search can
      -- be seen not to return their words.
      insert into public.users (id) select md5('other' || g)::uuid from generate_series(1, ${OTHER_USERS}) g;
      insert into public.chat_sessions (id, user_id, title, last_seq)
        select md5('other-session' || g)::uuid, md5('other' || g)::uuid, 'hello number', 1
          from generate_series(1, ${OTHER_USERS}) g;
      insert into public.chat_messages (id, session_id, seq, role, content)
        select md5('other-message' || g)::uuid, md5('other-session' || g)::uuid, 1, 'user', 'hello number 77777'
          from generate_series(1, ${OTHER_USERS}) g;
      -- A long chat summarised every tenth message, so a summary lookup has a table to avoid reading.
      insert into public.chat_summaries (through_message_id, session_id, content, tokens)
        select id, session_id, 'summary up to ' || seq, 4 from public.chat_messages
         where session_id = '${bigSession}' and seq % 10 = 0 and seq <> 50000;
      insert into public.chat_message_feedback (message_id, user_id, rating)
        select id, '${bigUser}', 'up' from public.chat_messages
         where session_id = '${bigSession}' and role = 'assistant' and seq % 100 = 0;
      analyze public.users, public.chat_sessions, public.chat_messages, public.chat_send_requests,
        public.chat_summaries, public.chat_message_feedback;
    `);
    manySession = (
      await db.query<{ id: string }>(
        'select id from public.chat_sessions where user_id = $1 order by updated_at desc offset 9000 limit 1',
        [manyUser],
      )
    ).rows[0].id;
    midMessage = (
      await db.query<{ id: string; seq: number }>(
        'select id, seq::int as seq from public.chat_messages where session_id = $1 and seq = 50000',
        [bigSession],
      )
    ).rows[0];
  });

  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  const sessions = new SessionsRepository();
  const messages = new MessagesRepository();
  const sendRequests = new SendRequestsRepository();
  const summaries = new SummariesRepository();
  const feedback = new FeedbackRepository();
  const search = new SearchRepository();
  const cursor = () => ({ updated_at: new Date(Date.now() - 9_000_000).toISOString(), id: manySession });

  /** One entry per repository method: the calls the services make, with the big user's ids. */
  const cases: Record<string, { user: () => string; run: (tx: Queryable) => Promise<unknown> }> = {
    'SessionsRepository.create': { user: () => manyUser, run: (tx) => sessions.create(tx, manyUser, { title: 'x' }) },
    'SessionsRepository.findForUser': {
      user: () => manyUser,
      run: (tx) => sessions.findForUser(tx, manyUser, manySession, { lock: true }),
    },
    'SessionsRepository.listForUser': {
      user: () => manyUser,
      run: async (tx) => {
        await sessions.listForUser(tx, manyUser, { limit: 20, includeArchived: false });
        await sessions.listForUser(tx, manyUser, { limit: 20, includeArchived: true, after: cursor() });
        await sessions.listForUser(tx, manyUser, { limit: 20, includeArchived: false, after: cursor() });
      },
    },
    // The statement only calls search_chat_sessions(); its body gets its own test below.
    'SessionsRepository.searchForUser': {
      user: () => manyUser,
      run: (tx) => sessions.searchForUser(tx, 'hello', { limit: 20, includeArchived: false, after: cursor() }),
    },
    // Only calls search_chat_messages(); its body gets its own test below.
    'SearchRepository.messagesForUser': {
      user: () => manyUser,
      run: (tx) =>
        search.messagesForUser(tx, 'hello', {
          limit: 20,
          includeArchived: false,
          after: { created_at: cursor().updated_at, id: manySession },
        }),
    },
    'FeedbackRepository.roleOfMessage': {
      user: () => bigUser,
      run: (tx) => feedback.roleOfMessage(tx, bigUser, midMessage.id),
    },
    'FeedbackRepository.upsert': {
      user: () => bigUser,
      run: (tx) => feedback.upsert(tx, bigUser, midMessage.id, { rating: 'down', comment: 'no' }),
    },
    'FeedbackRepository.delete': { user: () => bigUser, run: (tx) => feedback.delete(tx, bigUser, midMessage.id) },
    'SessionsRepository.cursorOf': { user: () => manyUser, run: (tx) => sessions.cursorOf(tx, manyUser, manySession) },
    'SessionsRepository.update': {
      user: () => manyUser,
      run: (tx) => sessions.update(tx, manyUser, manySession, { title: 't', system_prompt: null, is_active: true }),
    },
    'SessionsRepository.delete': { user: () => manyUser, run: (tx) => sessions.delete(tx, manyUser, manySession) },
    'SessionsRepository.retitle': {
      user: () => manyUser,
      run: (tx) => sessions.retitle(tx, manyUser, manySession, 'chat 1', 'A better title'),
    },
    'SessionsRepository.markCleared': {
      user: () => manyUser,
      run: (tx) => sessions.markCleared(tx, manyUser, manySession),
    },
    'MessagesRepository.latest': { user: () => bigUser, run: (tx) => messages.latest(tx, bigSession, 50) },
    'MessagesRepository.page': {
      user: () => bigUser,
      run: async (tx) => {
        await messages.page(tx, bigSession, { limit: 50, order: 'desc', after: midMessage.id });
        await messages.page(tx, bigSession, { limit: 50, order: 'asc', after: midMessage.id });
        await messages.page(tx, bigSession, { limit: 50, order: 'asc' });
        await messages.page(tx, bigSession, { limit: 50, order: 'desc' });
      },
    },
    'MessagesRepository.append': {
      user: () => bigUser,
      run: (tx) =>
        messages.append(tx, bigSession, 'assistant', 'hi', { model: 'm' }, randomUUID(), {
          parentId: midMessage.id,
          ifLeaf: midMessage.id,
        }),
    },
    'MessagesRepository.appendToActiveSession': {
      user: () => bigUser,
      run: async (tx) => {
        await messages.appendToActiveSession(tx, bigUser, bigSession, 'hi', 10);
        // An edit: beside a message, under its parent.
        await messages.appendToActiveSession(tx, bigUser, bigSession, 'hi', 10, { id: midMessage.id });
      },
    },
    'MessagesRepository.window': {
      user: () => bigUser,
      run: (tx) => messages.window(tx, bigSession, midMessage.id, 11),
    },
    'MessagesRepository.chooseBranch': {
      user: () => bigUser,
      run: (tx) => messages.chooseBranch(tx, bigSession, midMessage.id),
    },
    'MessagesRepository.findById': {
      user: () => bigUser,
      run: (tx) => messages.findById(tx, bigSession, midMessage.id),
    },
    'MessagesRepository.clear': { user: () => bigUser, run: (tx) => messages.clear(tx, bigSession) },
    'SummariesRepository.throughAny': {
      user: () => bigUser,
      run: (tx) => summaries.throughAny(tx, bigSession, [midMessage.id, randomUUID(), randomUUID()]),
    },
    'SummariesRepository.insert': {
      user: () => bigUser,
      run: (tx) => summaries.insert(tx, bigSession, { through: midMessage.id, content: 'summary', tokens: 1 }),
    },
    'SendRequestsRepository.claim': {
      user: () => bigUser,
      // The recorder answers the insert with rowCount 0, so the locked re-read is recorded too.
      run: (tx) => sendRequests.claim(tx, bigUser, 'key-1', 'hash'),
    },
    'SendRequestsRepository.attach': {
      user: () => bigUser,
      run: (tx) => sendRequests.attach(tx, bigUser, 'key-1', bigSession, midMessage.id),
    },
    'SendRequestsRepository.settle': {
      user: () => bigUser,
      run: (tx) => sendRequests.settle(tx, bigUser, 'key-1', 'failed', null),
    },
    'SendRequestsRepository.purgeOlderThan': { user: () => '', run: (tx) => sendRequests.purgeOlderThan(tx, 24) },
    'UsersRepository.exists': {
      user: () => '',
      run: (tx) => new UsersRepository(tx as unknown as Database).exists(bigUser),
    },
    'UsersRepository.provision': {
      user: () => '',
      run: (tx) => new UsersRepository(tx as unknown as Database).provision(bigUser, { display_name: 'x' }),
    },
  };

  it('has a case for every repository method, so a new statement cannot skip the check', () => {
    const methods = [
      SessionsRepository,
      MessagesRepository,
      SendRequestsRepository,
      SummariesRepository,
      UsersRepository,
      FeedbackRepository,
      SearchRepository,
    ].flatMap((cls) =>
      Object.getOwnPropertyNames(cls.prototype)
        .filter((m) => m !== 'constructor')
        .map((m) => `${cls.name}.${m}`),
    );
    expect(Object.keys(cases).sort()).toEqual(methods.sort());
  });

  /** The generic plan of one statement, as the user (or as the service role when userId is ''). */
  async function genericPlan(userId: string, { sql, params }: Recorded): Promise<PlanNode> {
    const explain = async (tx: Queryable) => {
      await tx.query('set local plan_cache_mode = force_generic_plan');
      await tx.query(`prepare pulse_plan_check as ${sql}`);
      try {
        const args = params.length ? `(${params.map(literal).join(', ')})` : '';
        const { rows } = await tx.query<Record<string, unknown>>(
          `explain (format json) execute pulse_plan_check${args}`,
        );
        return planIn(rows);
      } finally {
        await tx.query('deallocate pulse_plan_check');
      }
    };
    return userId ? db.asUser(userId, explain) : db.transaction(explain);
  }

  it.each(Object.keys(cases))('%s reads only what it returns', async (name) => {
    const recorder = new Recorder();
    await cases[name].run(recorder);
    expect(recorder.statements.length).toBeGreaterThan(0);
    for (const statement of recorder.statements) {
      const plan = await genericPlan(cases[name].user(), statement);
      const found = problems(plan);
      if (WHOLE_SESSION_ON_PURPOSE.has(name)) continue;
      expect({ sql: statement.sql, problems: found }).toEqual({ sql: statement.sql, problems: [] });
    }
  });

  /**
   * search_chat_sessions() runs as its owner (see its migration), so its body is explained as
   * the owner with the caller's claims, its parameter names turned into $1..$5.
   */
  async function searchPlan(
    userId: string,
    args: unknown[],
    fn: 'search_chat_sessions' | 'search_chat_messages' = 'search_chat_sessions',
  ): Promise<PlanNode> {
    const { rows } = await db.query<{ body: string; names: string[]; types: string }>(
      `select prosrc as body, proargnames as names, pg_get_function_identity_arguments(oid) as types
         from pg_catalog.pg_proc where proname = $1`,
      [fn],
    );
    const { body, names } = rows[0];
    const sql = names
      .slice(0, args.length)
      .reduce((text, name, i) => text.replace(new RegExp(`(?<![.\\w])${name}(?!\\w)`, 'g'), () => `$${i + 1}`), body);
    const claims = JSON.stringify({ sub: userId, role: 'authenticated' });
    return db.transaction(async (tx) => {
      await tx.query(`select set_config('request.jwt.claims', '${claims}', true)`);
      await tx.query('set local plan_cache_mode = force_generic_plan');
      await tx.query(`prepare pulse_search_check(text, boolean, timestamptz, uuid, integer) as ${sql}`);
      try {
        const { rows: plan } = await tx.query<Record<string, unknown>>(
          `explain (format json) execute pulse_search_check(${args.map(literal).join(', ')})`,
        );
        return planIn(plan);
      } finally {
        await tx.query('deallocate pulse_search_check');
      }
    });
  }

  it.each([
    ['the user of 10,000 sessions, first page', () => manyUser, () => ['hello', false, null, null, 21]],
    [
      'the user of 10,000 sessions, after a cursor',
      () => manyUser,
      () => ['hello', true, cursor().updated_at, cursor().id, 21],
    ],
    ['the 100,000-message session, a word in every message', () => bigUser, () => ['number', false, null, null, 21]],
    ['the 100,000-message session, no match', () => bigUser, () => ['"no such" -thing', false, null, null, 21]],
  ])('search_chat_sessions() probes the search index per session, never scanning (%s)', async (_name, user, args) => {
    const plan = await searchPlan(user(), args());
    expect(problems(plan)).toEqual([]);
    const indexes = [...walk(plan)].map(({ node }) => node['Index Name']).filter(Boolean);
    expect(indexes).toEqual(expect.arrayContaining(['chat_sessions_user_recent_idx', 'chat_messages_search_idx']));
    expect(indexes).not.toContain('chat_messages_session_seq_key');
  });

  it('search_chat_sessions() finds the right rows in the big data set', async () => {
    const search = (userId: string, query: string) =>
      db.asUser(userId, async (tx) => sessions.searchForUser(tx, query, { limit: 20, includeArchived: false }));
    const many = await search(manyUser, 'hello');
    expect(many).toHaveLength(21);
    expect(many.every((r) => r.match_content === 'hello')).toBe(true);
    const big = await search(bigUser, 'number 77777');
    expect(big.map((r) => [r.id, r.match_content])).toEqual([[bigSession, 'message number 77777']]);
    expect(await search(manyUser, 'number')).toEqual([]);
  });

  // Newest first over full text sorts the caller's matches (a GIN index has no order); they are
  // gathered in a CTE, so the check sees a sort above a CTE scan, and what it guards here is that
  // messages are read only through the search index, per batch of the caller's sessions.
  it.each([
    ['the user of 10,000 sessions, first page', () => manyUser, () => ['hello', false, null, null, 21]],
    [
      'the user of 10,000 sessions, after a cursor',
      () => manyUser,
      () => ['hello', true, cursor().updated_at, cursor().id, 21],
    ],
    ['the user of 10,000 sessions, a title word', () => manyUser, () => ['chat', false, null, null, 21]],
    ['the 100,000-message session, a word in every message', () => bigUser, () => ['number', false, null, null, 21]],
    ['the 100,000-message session, no match', () => bigUser, () => ['"no such" -thing', false, null, null, 21]],
  ])('search_chat_messages() reads the search index, never a scan (%s)', async (_name, user, args) => {
    const plan = await searchPlan(user(), args(), 'search_chat_messages');
    expect(problems(plan)).toEqual([]);
    const indexes = [...walk(plan)].map(({ node }) => node['Index Name']).filter(Boolean);
    expect(indexes).toEqual(expect.arrayContaining(['chat_messages_search_idx']));
    expect(indexes).not.toContain('chat_messages_session_seq_key');
  });

  it("search_chat_messages() finds the right rows in the big data set, and only the caller's", async () => {
    const find = (userId: string, query: string) =>
      db.asUser(userId, async (tx) => {
        return search.messagesForUser(tx, query, { limit: 20, includeArchived: false });
      });
    const many = await find(manyUser, 'hello');
    expect(many).toHaveLength(21);
    expect(many.every((r) => r.content === 'hello' && r.message_id !== null)).toBe(true);
    const titles = await find(manyUser, 'chat');
    expect(titles).toHaveLength(21);
    expect(titles.every((r) => r.message_id === null && r.content === r.session_title)).toBe(true);
    const big = await find(bigUser, 'number 77777');
    expect(big.map((r) => [r.session_id, r.content])).toEqual([[bigSession, 'message number 77777']]);
    const every = await find(bigUser, 'number');
    expect(every.map((r) => r.content)).toHaveLength(21);
    expect(await find(bigUser, '"no such" -thing')).toEqual([]);
    expect(await find(manyUser, 'number')).toEqual([]);
  });

  it('catches the plan that sorts a whole session (the check itself works)', async () => {
    // The shape of the bug this suite guards: ordering by an output expression, not the column.
    const plan = await genericPlan(bigUser, {
      sql: 'select seq::int as seq from public.chat_messages where session_id = $1 order by seq desc limit $2',
      params: [bigSession, 51],
    });
    expect(problems(plan).length).toBeGreaterThan(0);
  });
});

/**
 * Pulse prepares each statement once per connection, so a plan made when the database was new
 * is kept while the tables grow, until an ANALYZE invalidates it. A branch walk must not depend
 * on the statistics it was planned with: it follows parent links by primary key. (It once also
 * asked for the session, and a plan made on a near-empty table then read the whole session for
 * every step of the walk: 5 ms per send on a session of a thousand messages, found in bench/.)
 */
describe(`query plans made while the tables were small (${TEST_DB})`, () => {
  const GROWN_TO = 3_000;
  let database: TestDatabase;
  let db: Database;
  const user = randomUUID();
  const messages = new MessagesRepository();

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openMigrated(database, 1);
    await db.execScript(`insert into public.users (id) values ('${user}')`);
  });

  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  /** A chain of messages `from`..`to` of one session, each the parent of the next; ids derived from `tag` and seq. */
  const chain = (tx: Queryable, session: string, tag: string, from: number, to: number) =>
    tx.query(
      `insert into public.chat_messages (id, session_id, seq, role, content, parent_id)
         select md5($2 || g)::uuid, $1, g, case when g % 2 = 1 then 'user' else 'assistant' end, 'message ' || g,
                case when g > 1 then md5($2 || (g - 1))::uuid end
           from generate_series($3::int, $4::int) g;
       `.trim(),
      [session, tag, from, to],
    );

  it.each([
    [
      'MessagesRepository.window',
      (tx: Queryable, session: string, leaf: string) => messages.window(tx, session, leaf, 11),
    ],
    [
      'MessagesRepository.appendToActiveSession',
      (tx: Queryable, session: string) => messages.appendToActiveSession(tx, user, session, 'hello', 10),
    ],
  ])('%s walks the branch by primary key after the session grew', async (_name, call) => {
    const session = randomUUID();
    const tag = randomUUID();
    /** The statement the method sends for a walk from message `seq`, and its parameters as literals. */
    const statementAt = async (tx: Queryable, seq: number) => {
      const leaf = (await tx.query<{ id: string }>(`select md5($1 || $2::int)::uuid as id`, [tag, seq])).rows[0].id;
      await tx.query('update public.chat_sessions set current_leaf_id = $2, last_seq = $3 where id = $1', [
        session,
        leaf,
        seq,
      ]);
      const recorder = new Recorder();
      await call(recorder, session, leaf);
      const [{ sql, params }] = recorder.statements;
      return { sql, args: params.map(literal).join(', ') };
    };
    await db.asUser(user, async (tx) => {
      await tx.query(`insert into public.chat_sessions (id, user_id, title) values ($1, $2, 'new')`, [session, user]);
      await chain(tx, session, tag, 1, 2);
      const small = await statementAt(tx, 2);
      await tx.query('set local plan_cache_mode = force_generic_plan');
      await tx.query(`prepare pulse_small_plan as ${small.sql}`);
      try {
        // Planned now, while the session has two messages, and kept.
        await tx.query(`execute pulse_small_plan(${small.args})`);
        await tx.query('delete from public.chat_messages where session_id = $1 and seq > 2', [session]);
        await chain(tx, session, tag, 3, GROWN_TO);
        const grown = await statementAt(tx, GROWN_TO);
        const { rows } = await tx.query<Record<string, unknown>>(
          `explain (analyze, format json) execute pulse_small_plan(${grown.args})`,
        );
        const plan = planIn(rows);
        // Only the messages grew; the policies' session lookups are planned on a table that did not.
        expect(problems(plan).filter((p) => p.endsWith('chat_messages'))).toEqual([]);
      } finally {
        await tx.query('deallocate pulse_small_plan');
      }
    });
  });
});
