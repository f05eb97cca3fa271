import { jest } from '@jest/globals';
import pg from 'pg';
import { connectionStringFor, transactionPoolerHint } from '../src/config/database-url.js';
import { runMigrations, listMigrations } from '../src/database/migrations.js';
import { PostgresDatabase } from '../src/database/postgres.database.js';
import { messagesInDb, sendJson } from './support/chat.js';
import { useChatApp } from './support/test-app.js';
import { createTestDatabase, TEST_DB } from './support/test-database.js';

jest.setTimeout(120_000);

const USERS = 30;
const MESSAGES_PER_USER = 10;

/**
 * Many users at once. Through PgBouncer in transaction mode (PULSE_TEST_DB=pgbouncer) this is
 * what broke with named prepared statements: 268 of these 300 sends failed with
 * `prepared statement "pulse_…" already exists` when each transaction landed on another of
 * the 3 server connections.
 */
describe(`many users sending at once (${TEST_DB})`, () => {
  const { t } = useChatApp({ MAX_CONTEXT_MESSAGES: '4' }, { apiKey: 'sk-e2e' });

  it('says at start how it reaches the database', () => {
    const line = t.logs.find((l) => l.includes('"context":"Database"')) ?? '';
    const expected = {
      pglite: /embedded PGlite at /,
      postgres: /Postgres at 127\.0\.0\.1:5432\/pulse_e2e_\w+, named prepared statements/,
      pgbouncer:
        /Postgres at 127\.0\.0\.1:\d+\/pulse_e2e_\w+, no named prepared statements \(\?pgbouncer=true in DATABASE_URL\)/,
    }[TEST_DB];
    expect(line).toMatch(expected);
  });

  it(`answers ${USERS} users × ${MESSAGES_PER_USER} messages sent at once, every one, in order per session`, async () => {
    const users = await Promise.all(Array.from({ length: USERS }, () => t.user()));
    const sessions = await Promise.all(
      users.map(async (u) => {
        const first = await sendJson(t, u.auth, { message: `${u.id} opens` });
        expect(first.status).toBe(200);
        return first.body.session_id as string;
      }),
    );

    const results = await Promise.all(
      users.flatMap((u, i) =>
        Array.from({ length: MESSAGES_PER_USER }, (_, n) =>
          sendJson(t, u.auth, { message: `message ${n}`, session_id: sessions[i] }),
        ),
      ),
    );
    const failures = results.filter((r) => r.status !== 200).map((r) => `${r.status} ${JSON.stringify(r.body)}`);
    expect({ failures: failures.length, first: failures.slice(0, 3) }).toEqual({ failures: 0, first: [] });

    for (const session of sessions) {
      const stored = await messagesInDb(t, session);
      expect(stored).toHaveLength(2 * (MESSAGES_PER_USER + 1));
      // Question, answer, question, answer: the echo answer follows its own question.
      expect(stored.map((m) => m.role)).toEqual(stored.map((_, i) => (i % 2 === 0 ? 'user' : 'assistant')));
      for (let i = 0; i < stored.length; i += 2) expect(stored[i + 1].content).toContain(stored[i].content);
    }
  });
});

if (TEST_DB !== 'pglite') {
  describe(`migrations from several instances at once (${TEST_DB})`, () => {
    it('lets one migrate while the others wait, then all find nothing to do', async () => {
      const database = await createTestDatabase();
      const url = database.env.DATABASE_URL;
      const instances = Array.from(
        { length: 4 },
        () => new PostgresDatabase(connectionStringFor(url), 2, { preparedStatements: !transactionPoolerHint(url) }),
      );
      try {
        const applied = await Promise.all(instances.map((db) => runMigrations(db)));
        const expected = (await listMigrations()).map((m) => `${m.version}_${m.name}`);
        expect(applied.filter((a) => a.length > 0)).toEqual([expected]);
        const ledger = await instances[0].query<{ n: number }>(
          'select count(*)::int as n from supabase_migrations.schema_migrations',
        );
        expect(ledger.rows[0].n).toBe(expected.length);
        expect(await Promise.all(instances.map((db) => runMigrations(db)))).toEqual(instances.map(() => []));
      } finally {
        await Promise.all(instances.map((db) => db.close()));
        await database.drop();
      }
    });
  });
}

if (TEST_DB === 'pgbouncer') {
  describe('the pooler this suite runs through', () => {
    it('is PgBouncer in transaction mode with 3 server connections per database', async () => {
      const admin = new URL(process.env.PULSE_TEST_PGBOUNCER_URL!);
      admin.pathname = '/pgbouncer';
      // The admin console speaks the simple protocol only.
      const client = new pg.Client({ connectionString: admin.toString() });
      await client.connect();
      try {
        const { rows } = await client.query<{ key: string; value: string }>('show config');
        const config = Object.fromEntries(rows.map((r) => [r.key, r.value]));
        expect({ pool_mode: config.pool_mode, default_pool_size: config.default_pool_size }).toEqual({
          pool_mode: 'transaction',
          default_pool_size: '3',
        });
      } finally {
        await client.end();
      }
    });
  });
}
