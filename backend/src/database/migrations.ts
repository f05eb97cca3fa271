import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Database, Queryable } from './database.js';
import { PostgresDatabase } from './postgres.database.js';

/** supabase/migrations at the repository root, from src/ or dist/ alike. */
const MIGRATIONS_DIR = fileURLToPath(new URL('../../../supabase/migrations', import.meta.url));

const LEDGER = `
create schema if not exists supabase_migrations;
create table if not exists supabase_migrations.schema_migrations (
  version text not null primary key,
  statements text[],
  name text
);`;

export interface MigrationFile {
  version: string;
  name: string;
  path: string;
}

export async function listMigrations(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{14}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return files.map((f) => ({ version: f.slice(0, 14), name: f.slice(15, -4), path: join(dir, f) }));
}

/**
 * Applies pending migrations, each once, recording them in the same ledger table the
 * Supabase CLI uses, so `supabase db push` and Pulse agree on what has run.
 */
export async function runMigrations(db: Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  if (db instanceof PostgresDatabase) {
    // Several instances starting at once: one migrates, the others wait for the lock and then
    // find nothing to do. A transaction-scoped lock in one transaction, because behind a
    // transaction-mode pooler (PgBouncer, Supavisor) a session-level lock could be taken on
    // one server connection and released on another.
    return db.transaction(async (tx) => {
      await tx.query(`select pg_advisory_xact_lock(hashtext('pulse:migrations'))`);
      // Parameterless statements go as simple queries, so a whole file runs as one call.
      return applyPending(tx, (sql) => tx.query(sql).then(() => undefined), dir);
    });
  }
  return applyPending(db, (sql) => db.execScript(sql), dir);
}

async function applyPending(db: Queryable, script: (sql: string) => Promise<void>, dir: string): Promise<string[]> {
  await script(LEDGER);
  const done = new Set(
    (await db.query<{ version: string }>('select version from supabase_migrations.schema_migrations')).rows.map(
      (r) => r.version,
    ),
  );
  const applied: string[] = [];
  for (const m of await listMigrations(dir)) {
    if (done.has(m.version)) continue;
    const sql = await readFile(m.path, 'utf8');
    // The file and its ledger row commit together or not at all. version and name are [0-9a-z_] only.
    await script(
      `${sql}\n;\ninsert into supabase_migrations.schema_migrations (version, name) values ('${m.version}', '${m.name}');`,
    );
    applied.push(`${m.version}_${m.name}`);
  }
  return applied;
}
