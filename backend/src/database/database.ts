import { AppError } from '../common/app-error.js';
import { UUID_PATTERN } from '../common/uuid.js';

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

/** Something SQL can be sent to: the pool/embedded database, or one open transaction. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
}

export type DatabaseKind = 'postgres' | 'pglite';

/** What a transaction read, handed over before its COMMIT settles (asUserBeforeCommit). */
export interface Staged<T> {
  value: T;
  committed: Promise<void>;
}

export interface TransactionHooks<T> {
  /**
   * Called with fn's result once its statements have run, right before COMMIT is sent: for work
   * that needs what the transaction read and should not wait for the commit's round trip and WAL
   * flush (the send path starts the model call here). The commit can still fail after it: the
   * transaction's promise then rejects as usual, and undoing that work is the caller's job. A
   * throw here rolls the transaction back.
   */
  beforeCommit?: (result: T) => void;
}

/**
 * A foreign-key violation (23503) on a `user_id` column: the user was deleted from
 * public.users while Pulse still trusted a cached check that they exist.
 */
function isMissingUser(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  return e?.code === '23503' && typeof e.constraint === 'string' && e.constraint.endsWith('_user_id_fkey');
}

/**
 * The one database seam. Repositories only ever get a Queryable; services choose
 * the scope (a user's RLS-checked transaction, or the service role for users/health).
 */
export abstract class Database implements Queryable {
  abstract readonly kind: DatabaseKind;

  /** A statement as the connecting (service) role: bypasses RLS, so only for users, health and migrations. */
  abstract query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;

  /** Runs several statements (a migration file) in one round trip, no parameters. */
  abstract execScript(sql: string): Promise<void>;

  /**
   * One transaction: committed when fn resolves, rolled back when it throws. `setup` is
   * parameterless SQL run first, sent with BEGIN in one round trip where the driver can.
   * `beforeCommit` gets fn's result right before COMMIT is sent (see TransactionHooks).
   */
  abstract transaction<T>(
    fn: (tx: Queryable) => Promise<T>,
    setup?: string,
    beforeCommit?: TransactionHooks<T>['beforeCommit'],
  ): Promise<T>;

  abstract close(): Promise<void>;

  /**
   * Calls `onNotify` for each NOTIFY on `channel` (sent by a committed transaction, in any
   * process), until the returned stop is called. Best effort: where a database cannot listen the
   * caller's own polling is all there is, so this default listens to nothing.
   */
  listen(_channel: string, _onNotify: () => void): Promise<() => Promise<void>> {
    return Promise.resolve(() => Promise.resolve());
  }

  /**
   * One transaction as role `authenticated` with the caller's claims set the way
   * PostgREST sets them, so row-level security checks every statement even if the
   * API forgot a `where user_id = ...`.
   */
  asUser<T>(userId: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return userErrors(this.transaction(fn, userSetup(userId)));
  }

  /**
   * asUser in two steps: resolves with fn's result as soon as its statements have run, before
   * COMMIT is sent, so the caller can start work that needs what was read (the send path asks the
   * model) while the commit's round trip and WAL flush are under way. `committed` settles with the
   * commit: the caller must await it before anything of that work is shown, and undo the work when
   * it rejects. A failure before COMMIT rejects the outer promise as asUser would.
   */
  asUserBeforeCommit<T>(userId: string, fn: (tx: Queryable) => Promise<T>): Promise<Staged<T>> {
    return new Promise((resolve, reject) => {
      let ran = false;
      const beforeCommit = (value: T) => {
        ran = true;
        resolve({ value, committed });
      };
      const committed: Promise<void> = userErrors(this.transaction(fn, userSetup(userId), beforeCommit)).then(
        () => undefined,
        (err: unknown) => {
          if (!ran) reject(err);
          throw err;
        },
      );
      // Read by the caller once it has the result; before that, the outer promise reports it.
      committed.catch(() => undefined);
    });
  }

  /**
   * Like asUser for work that is exactly one statement: fn must send one query, no more. That
   * statement is its own transaction (atomic, committed once it returns), so where the driver
   * can the claims go with it in a single round trip, with no BEGIN and no COMMIT of their own:
   * one round trip where asUser takes three. For the send path's hot statements.
   */
  asUserStatement<T>(userId: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.asUser(userId, (tx) => fn(oneQuery(tx)));
  }
}

/**
 * The claims PostgREST would set, for the role `authenticated`. Inlined rather than bound so
 * it can ride along with BEGIN: safe only because a UUID has no quote to escape, so anything
 * else is refused outright.
 */
export function userSetup(userId: string): string {
  if (!UUID_PATTERN.test(userId)) throw new Error('asUser needs a UUID user id');
  const claims = JSON.stringify({ sub: userId, role: 'authenticated' });
  return `select set_config('role', 'authenticated', true), set_config('request.jwt.claims', '${claims}', true)`;
}

/** A user's transaction failing because the user is gone from public.users says so. */
export function userErrors<T>(work: Promise<T>): Promise<T> {
  return work.catch((err: unknown) => {
    if (!isMissingUser(err)) throw err;
    throw new AppError('USER_NOT_FOUND', 'Your user is no longer registered in public.users.');
  });
}

/** A Queryable that takes one query: asUserStatement's contract, kept by every database alike. */
export function oneQuery(tx: Queryable): Queryable {
  let used = false;
  return {
    query: <R>(sql: string, params?: unknown[]) => {
      if (used) return Promise.reject(new Error('asUserStatement runs exactly one statement'));
      used = true;
      return tx.query<R>(sql, params);
    },
  };
}
