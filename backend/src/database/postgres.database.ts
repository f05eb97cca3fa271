import { createHash } from 'node:crypto';
import pg from 'pg';
import { isDatabaseUnavailable } from './database-errors.js';
import {
  Database,
  oneQuery,
  type QueryResult,
  type Queryable,
  type TransactionHooks,
  userErrors,
  userSetup,
} from './database.js';
import { inlineParameters, sqlLiteral } from './sql-literal.js';

const names = new Map<string, string>();

/**
 * A named prepared statement per SQL text: pg prepares it once per connection and then
 * only binds, sparing the server a parse and plan on every request. The SQL texts are
 * the repositories' fixed strings, so the map stays small.
 */
function prepared(text: string, values: unknown[]): pg.QueryConfig {
  return { name: statementName(text), text, values };
}

function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `pulse_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    names.set(text, name);
  }
  return name;
}

/** The SQL-level PREPAREs made on each connection (asUserStatement); a replaced connection starts empty. */
const preparedOn = new WeakMap<pg.PoolClient, Set<string>>();

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

/** How long Pulse waits on the database before it calls it unavailable (milliseconds; 0 = no limit). */
export interface PostgresTimeouts {
  connectMs: number;
  statementMs: number;
  idleInTransactionMs: number;
}

export interface PostgresOptions {
  preparedStatements?: boolean;
  timeouts?: PostgresTimeouts;
}

/** No timeouts at all: for migrations, tools and tests. */
export const NO_TIMEOUTS: PostgresTimeouts = { connectMs: 0, statementMs: 0, idleInTransactionMs: 0 };

/**
 * Checks a client out with an error listener for as long as it is out: pg emits 'error'
 * on a client whose connection drops (server restart, pg_terminate_backend), and with no
 * listener that event kills the process. The client is released with the error, if any,
 * so the pool discards it instead of handing out a dead connection.
 */
async function checkedOut<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient, discard: (err: Error) => void) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error) => (broken ??= err);
  client.on('error', onError);
  try {
    return await fn(client, onError);
  } catch (err) {
    // A timed-out or aborted statement may still be running on that connection: drop it too.
    if (isDatabaseUnavailable(err)) broken ??= err as Error;
    throw err;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}

/** Any Postgres server reached through DATABASE_URL (a Supabase project, or a local server). */
export class PostgresDatabase extends Database {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly preparedStatements: boolean;
  /** Sent with each BEGIN: per transaction, so they hold behind a transaction-mode pooler too. */
  private readonly limits: string;
  private readonly connectionString: string;
  private readonly connectMs: number;

  constructor(connectionString: string, poolSize: number, options: PostgresOptions = {}) {
    super();
    this.connectionString = connectionString;
    this.connectMs = options.timeouts?.connectMs ?? 0;
    this.preparedStatements = options.preparedStatements ?? true;
    const { connectMs, statementMs, idleInTransactionMs } = options.timeouts ?? NO_TIMEOUTS;
    this.limits = [
      statementMs ? `set local statement_timeout = ${Math.floor(statementMs)}` : '',
      idleInTransactionMs ? `set local idle_in_transaction_session_timeout = ${Math.floor(idleInTransactionMs)}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    this.pool = new pg.Pool({
      connectionString,
      max: poolSize,
      // Connections stay open once made: a burst then finds them ready instead of opening new
      // ones while its own requests keep the event loop too busy to finish the handshakes.
      min: poolSize,
      application_name: 'pulse',
      // The pool applies this to the wait for a free connection too: a burst of sends may
      // queue behind a busy pool for longer than one connect takes, so it gets the statement
      // timeout on top. A new connection gets connectMs alone (the Client below).
      connectionTimeoutMillis: connectMs && statementMs ? connectMs + statementMs : undefined,
      // pg-pool calls `new Client(poolOptions)`; its typings leave the argument out.
      Client: class extends pg.Client {
        constructor(config: pg.ClientConfig) {
          super({ ...config, connectionTimeoutMillis: connectMs || undefined });
        }
      } as unknown as new () => pg.ClientBase,
      // The server enforces statement_timeout only while it runs; a frozen or unreachable
      // server never answers, so the client gives up a little later on its own.
      query_timeout: statementMs ? statementMs + 1000 : undefined,
      keepAlive: true,
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    this.pool.on('error', () => undefined);
    // And no client ever without a listener: pg-pool swaps its own listener off and on as a
    // client moves between idle and checked out, and a FATAL that lands in between (seen under
    // pg_terminate_backend in the faults e2e) was an unhandled 'error' event. checkedOut()
    // still learns of the error through its own listener and discards the client.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
    const res = await this.pool.query(sql, params);
    return { rows: res.rows as T[], rowCount: res.rowCount ?? 0 };
  }

  async execScript(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  transaction<T>(
    fn: (tx: Queryable) => Promise<T>,
    setup?: string,
    beforeCommit?: TransactionHooks<T>['beforeCommit'],
  ): Promise<T> {
    return checkedOut(this.pool, async (client, discard) => {
      try {
        // Simple protocol: BEGIN, the limits and the setup go to the server as one round trip.
        await client.query(['begin', this.limits, setup].filter(Boolean).join('; '));
        const result = await fn(queryable(client, this.preparedStatements));
        beforeCommit?.(result);
        await client.query('commit');
        return result;
      } catch (err) {
        // On a dead connection the rollback fails too and the server rolls back on its own;
        // a connection that cannot even roll back is not handed out again.
        if (!isDatabaseUnavailable(err)) await client.query('rollback').catch(discard);
        throw err;
      }
    });
  }

  /**
   * The claims, the limits and the statement as one simple query: the server runs a
   * multi-statement query as one implicit transaction, so `set local` and `set_config(..., true)`
   * hold for the statement and end with it, a failure rolls it all back, and success commits
   * it. One round trip instead of three (BEGIN, statement, COMMIT). The statement itself is
   * PREPAREd once per connection and EXECUTEd with its parameters as literals, so the server
   * plans it as seldom as a bound prepared statement (planning the send's statements anew each
   * time cost Postgres more than the two round trips saved: bench/HISTORY.md). Behind a
   * transaction-mode pooler, where a PREPARE may not outlive its transaction, the statement is
   * inlined instead.
   */
  override asUserStatement<T>(userId: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const setup = [userSetup(userId), this.limits].filter(Boolean).join('; ');
    return userErrors(
      checkedOut(this.pool, (client) =>
        fn(
          oneQuery({
            query: async <R>(sql: string, params: unknown[] = []) => {
              const results = (await client.query(
                `${setup};\n${await this.statementFor(client, sql, params)}`,
              )) as unknown as pg.QueryResult | pg.QueryResult[];
              const res = Array.isArray(results) ? results[results.length - 1]! : results;
              return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
            },
          }),
        ),
      ),
    );
  }

  /** `execute <name>(<literals>)` for a statement this connection has PREPAREd (it is prepared first if need be). */
  private async statementFor(client: pg.PoolClient, sql: string, params: unknown[]): Promise<string> {
    if (!this.preparedStatements) return inlineParameters(sql, params);
    const name = `${statementName(sql)}_x`;
    let known = preparedOn.get(client);
    if (!known) preparedOn.set(client, (known = new Set()));
    if (!known.has(name)) {
      // Its own round trip, once per connection: marked only once the server has it.
      await client.query(`prepare ${name} as ${sql}`);
      known.add(name);
    }
    return params.length ? `execute ${name}(${params.map(sqlLiteral).join(', ')})` : `execute ${name}`;
  }

  /**
   * LISTEN on a connection of its own: a pooled one goes back to the pool after each checkout.
   * A lost connection is made again a few seconds later. Not behind a transaction-mode pooler
   * (prepared statements off), where the server connection under LISTEN changes hands.
   */
  override async listen(channel: string, onNotify: () => void): Promise<() => Promise<void>> {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
    if (!this.preparedStatements) return () => Promise.resolve();
    let client: pg.Client | undefined;
    let retry: NodeJS.Timeout | undefined;
    let stopped = false;
    const connect = async () => {
      retry = undefined;
      const c = new pg.Client({
        connectionString: this.connectionString,
        connectionTimeoutMillis: this.connectMs || undefined,
        application_name: 'pulse-listen',
        keepAlive: true,
      });
      const lost = () => {
        c.removeAllListeners('notification');
        c.end().catch(() => undefined);
        if (client === c) client = undefined;
        if (!stopped && !retry) retry = setTimeout(() => void connect(), 3000).unref();
      };
      c.on('error', lost);
      c.on('end', () => {
        if (client === c) lost();
      });
      c.on('notification', (n) => n.channel === channel && onNotify());
      try {
        await c.connect();
        await c.query(`listen ${channel}`);
        if (stopped) await c.end();
        else client = c;
        // Whatever was notified while no connection listened: the caller looks once anyway.
        onNotify();
      } catch {
        lost();
      }
    };
    await connect();
    return async () => {
      stopped = true;
      clearTimeout(retry);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
