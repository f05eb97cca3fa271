import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { listMigrations, runMigrations } from '../../src/database/migrations.js';
import { PgliteDatabase } from '../../src/database/pglite.database.js';

/** Which database the e2e suite runs against: PULSE_TEST_DB=pglite (default) or postgres. */
export const TEST_DB = (process.env.PULSE_TEST_DB ?? 'pglite') as 'pglite' | 'postgres';

/** The server that fresh per-run databases are created on (trust auth on this machine). */
const ADMIN_URL = process.env.PULSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  env: Record<string, string>;
  drop(): Promise<void>;
}

/**
 * A database nobody else uses: a fresh Postgres database, or a fresh PGlite folder
 * copied from a migrated template (a PGlite initdb takes seconds; a copy, milliseconds).
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (TEST_DB === 'postgres') {
    const name = `pulse_e2e_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(ADMIN_URL);
    url.pathname = `/${name}`;
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
