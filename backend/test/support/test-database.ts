import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { listMigrations, runMigrations } from '../../src/database/migrations.js';
import { PgliteDatabase } from '../../src/database/pglite.database.js';

/**
 * Which database the e2e suite runs against: PULSE_TEST_DB=pglite (default), postgres, or
 * pgbouncer (Postgres through a transaction-mode PgBouncer at PULSE_TEST_PGBOUNCER_URL, as
 * scripts/test-pgbouncer.sh starts one; databases are still created directly on the server).
 */
export const TEST_DB = (process.env.PULSE_TEST_DB ?? 'pglite') as 'pglite' | 'postgres' | 'pgbouncer';

/** The Database kind the app reports for TEST_DB (through PgBouncer it is still Postgres). */
export const TEST_DB_KIND = TEST_DB === 'pglite' ? 'pglite' : 'postgres';

/** The server that fresh per-run databases are created on (trust auth on this machine). */
export const ADMIN_URL = process.env.PULSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function pgbouncerUrl(): string {
  const url = process.env.PULSE_TEST_PGBOUNCER_URL;
  if (!url)
    throw new Error('PULSE_TEST_DB=pgbouncer needs PULSE_TEST_PGBOUNCER_URL (scripts/test-pgbouncer.sh sets it)');
  return url;
}

export interface TestDatabase {
  env: Record<string, string>;
  drop(): Promise<void>;
}

/**
 * A database nobody else uses: a fresh Postgres database, or a fresh PGlite folder
 * copied from a migrated template (a PGlite initdb takes seconds; a copy, milliseconds).
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (TEST_DB === 'postgres' || TEST_DB === 'pgbouncer') {
    const name = `pulse_e2e_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(TEST_DB === 'pgbouncer' ? pgbouncerUrl() : ADMIN_URL);
    url.pathname = `/${name}`;
    // As a user would write it for Supabase's pooler or Prisma: Pulse turns named statements off.
    if (TEST_DB === 'pgbouncer') url.searchParams.set('pgbouncer', 'true');
    return {
      env: { DATABASE_URL: url.toString() },
      drop: async () => {
        const c = new pg.Client({ connectionString: ADMIN_URL });
        await c.connect();
        await c.query(`drop database if exists ${name} with (force)`);
        await c.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'pulse-e2e-'));
  const dataDir = join(dir, 'pglite');
  cpSync(await pgliteTemplate(), dataDir, { recursive: true });
  return {
    env: { PGLITE_DATA_DIR: dataDir },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A migrated PGlite folder keyed by the migrations' content, made once and reused by later files and runs. */
export async function pgliteTemplate(): Promise<string> {
  const hash = createHash('sha256');
  for (const m of await listMigrations()) hash.update(m.version).update(readFileSync(m.path));
  const dir = join(tmpdir(), `pulse-pglite-template-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(dir)) return dir;
  const staging = mkdtempSync(join(tmpdir(), 'pulse-pglite-staging-'));
  const db = await PgliteDatabase.open(join(staging, 'pglite'));
  await runMigrations(db);
  await db.close();
  try {
    // Atomic publish: a concurrent maker loses the rename and uses the winner's copy.
    renameSync(join(staging, 'pglite'), dir);
  } catch {
    // Already published by another process.
  }
  rmSync(staging, { recursive: true, force: true });
  return dir;
}
