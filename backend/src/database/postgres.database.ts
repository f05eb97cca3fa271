import { createHash } from 'node:crypto';
import pg from 'pg';
import { Database, type QueryResult, type Queryable } from './database.js';

const names = new Map<string, string>();

/**
 * A named prepared statement per SQL text: pg prepares it once per connection and then
 * only binds, sparing the server a parse and plan on every request. The SQL texts are
 * the repositories' fixed strings, so the map stays small.
 */
function prepared(text: string, values: unknown[]): pg.QueryConfig {
  let name = names.get(text);
  if (!name) {
    name = `pulse_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    names.set(text, name);
  }
  return { name, text, values };
}

/**
 * One checked-out connection as a Queryable. Statements with parameters are named prepared
 * statements unless `named` is off (behind a transaction-mode pooler, where the next
 * transaction may land on a server connection that never saw the PREPARE). Statements
 * without parameters go as simple queries, which may hold several statements (migrations).
 */
function queryable(client: pg.PoolClient, named: boolean): Queryable {
  return {
    query: async <R>(sql: string, params: unknown[] = []) => {
      const res = await client.query(named && params.length ? prepared(sql, params) : { text: sql, values: params });
      return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
    },
  };
}

/** Any Postgres server reached through DATABASE_URL (a Supabase project, or a local server). */
export class PostgresDatabase extends Database {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;

  private readonly preparedStatements: boolean;

  constructor(connectionString: string, poolSize: number, options: { preparedStatements?: boolean } = {}) {
    super();
    this.preparedStatements = options.preparedStatements ?? true;
    this.pool = new pg.Pool({ connectionString, max: poolSize, application_name: 'pulse' });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    this.pool.on('error', () => undefined);
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
    const res = await this.pool.query(sql, params);
    return { rows: res.rows as T[], rowCount: res.rowCount ?? 0 };
  }

  async execScript(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>, setup?: string): Promise<T> {
    const client = await this.pool.connect();
    try {
      // Simple protocol: BEGIN and the setup go to the server as one round trip.
      await client.query(setup ? `begin; ${setup}` : 'begin');
      const result = await fn(queryable(client, this.preparedStatements));
      await client.query('commit');
      return result;
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
