import { PGlite, type Transaction } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import { DataDirLock } from './data-dir-lock.js';
import { Database, type QueryResult, type Queryable, type TransactionHooks } from './database.js';

/** Embedded Postgres (PGlite) kept on disk, for running with no database server at all. */
export class PgliteDatabase extends Database {
  readonly kind = 'pglite' as const;

  private constructor(
    private readonly db: PGlite,
    private readonly lock: DataDirLock,
  ) {
    super();
  }

  static async open(dataDir: string): Promise<PgliteDatabase> {
    const lock = new DataDirLock(dataDir);
    lock.acquire();
    try {
      mkdirSync(dataDir, { recursive: true });
      const db = await PGlite.create(dataDir);
      return new PgliteDatabase(db, lock);
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
    const res = await this.db.query<T>(sql, params);
    return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
  }

  async execScript(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  transaction<T>(
    fn: (tx: Queryable) => Promise<T>,
    setup?: string,
    beforeCommit?: TransactionHooks<T>['beforeCommit'],
  ): Promise<T> {
    // PGlite is one connection: its transaction() holds it, so others queue behind us.
    return this.db.transaction(async (t: Transaction) => {
      if (setup) await t.exec(setup);
      const result = await fn({
        query: async <R>(sql: string, params: unknown[] = []) => {
          const res = await t.query<R>(sql, params);
          return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
        },
      });
      // PGlite sends COMMIT once this callback resolves.
      beforeCommit?.(result);
      return result;
    });
  }

  override async listen(channel: string, onNotify: () => void): Promise<() => Promise<void>> {
    return this.db.listen(channel, () => onNotify());
  }

  async close(): Promise<void> {
    try {
      await this.db.close();
    } finally {
      this.lock.release();
    }
  }
}
