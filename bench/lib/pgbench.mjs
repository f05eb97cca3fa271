// The database's own ceiling for Pulse's write pattern: pgbench running the two transactions
// of a JSON send (the question with its RLS claims, then the answer) against the bench
// database, so Pulse's sends/s can be read as a share of what Postgres alone sustains.
//
// The SQL is not retyped here: Pulse's built code is asked for it. The built Database and
// MessagesRepository run a send's two transactions against a recording connection, so the
// script carries the very BEGIN line (statement limits, role and claims in one round trip),
// the repositories' statements and the COMMITs that Pulse sends, in the same round trips.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { log, PULSE_ROOT } from './processes.mjs';

const PGBENCH = ['/usr/lib/postgresql/15/bin/pgbench', 'pgbench'];
/** Users and sessions of pgbench's own, their ids ending in 1000..1999 so a script can spell them. */
const USER_PREFIX = 'b0000000-0000-4000-8000-00000000';
const SESSION_PREFIX = 'b1000000-0000-4000-8000-00000000';
const FIRST = 1000;

export function findPgbench() {
  for (const bin of PGBENCH) {
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return { bin, version: r.stdout.trim() };
  }
  return undefined;
}

/**
 * What Pulse sends to Postgres for one JSON send, in order: `{ text }` for a simple query,
 * `{ name, text, values }` for a named prepared statement. `env` is Pulse's environment.
 */
/** The answer id recorded in place of the one Pulse draws; each pgbench send gets a new one. */
const ANSWER_MARK = '00000000-0000-4000-8000-00000000a5e4';

export async function recordSendSql(env, { userId, sessionId, message, answer, metadata }) {
  const dist = (path) => import(pathToFileURL(join(PULSE_ROOT, 'backend/dist', path)).href);
  const { AppConfig } = await dist('config/app-config.js');
  const { openDatabase } = await dist('database/database.module.js');
  const { MessagesRepository } = await dist('sessions/messages.repository.js');
  const config = AppConfig.fromEnvironment(env);
  const db = await openDatabase(config);
  const sent = [];
  // The one seam: the pool hands out a connection that records instead of sending.
  db.pool.connect = async () => ({
    query: async (q) => {
      sent.push(typeof q === 'string' ? { text: q } : q);
      return { rows: [], rowCount: 0 };
    },
    on() {},
    removeListener() {},
    release() {},
  });
  const repo = new MessagesRepository();
  const history = config.context.maxMessages;
  // The calls ChatService makes for a send without an Idempotency-Key (see its storeQuestion and
  // storeAnswer): each one statement, sent with its claims as one simple query.
  await db.asUserStatement(userId, (tx) => repo.appendToActiveSession(tx, userId, sessionId, message, history));
  // Pulse names the answer's id itself; the script draws a new one per send in its place (see
  // pgbenchScript). The answer goes under no parent and moves no leaf: pgbench cannot carry the
  // question's id over (EXECUTE takes no subquery), so the ceiling skips the parent's key check,
  // one primary-key lookup, and errs a little high.
  await db.asUserStatement(userId, (tx) =>
    repo.append(tx, sessionId, 'assistant', answer, metadata, ANSWER_MARK, { parentId: null, ifLeaf: null }),
  );
  await db.close();
  return sent;
}

const literal = (v) => (v === null || v === undefined ? 'NULL' : `'${String(v).replaceAll("'", "''")}'`);

/**
 * The pgbench script for those statements. Simple protocol throughout (pgbench's -M applies to
 * the whole script, and only the simple protocol carries Pulse's multi-statement queries, as
 * `\;`): Pulse's claims with an EXECUTE of a statement it PREPAREd once per connection are sent
 * the same way, as one query; protocol-level prepared statements (none in a send without a key,
 * today) are PREPAREd once per connection and EXECUTEd. Client i plays user and session i.
 */
export function pgbenchScript(sent, { userId, sessionId, users }) {
  const spell = (s) => s.replaceAll(userId, `${USER_PREFIX}:u`).replaceAll(sessionId, `${SESSION_PREFIX}:u`);
  const prepares = [];
  const names = new Map();
  const body = sent.flatMap((q) => {
    if (!q.name && /^prepare /i.test(q.text)) {
      // A statement Pulse PREPAREs once per connection (asUserStatement), then EXECUTEs.
      prepares.push(`${q.text};`);
      return [];
    }
    if (!q.name) {
      // The claims and limits (one line, statements joined by "; "), then on the next lines the
      // statement (an EXECUTE, or inlined behind a pooler); `\;` keeps them one query, one round trip.
      const [setup, ...statement] = q.text.split(';\n');
      const first = `${spell(setup).replaceAll('; ', ' \\; ')}`;
      if (statement.length === 0) return `${first};`;
      const sql = spell(statement.join(';\n')).replaceAll(`'${ANSWER_MARK}'`, 'gen_random_uuid()');
      return `${first} \\;\n${sql};`;
    }
    if (!names.has(q.name)) {
      names.set(q.name, `q${names.size + 1}`);
      prepares.push(`PREPARE ${names.get(q.name)} AS ${q.text};`);
    }
    const arg = (v) => (v === ANSWER_MARK ? 'gen_random_uuid()' : spell(literal(v)));
    return `EXECUTE ${names.get(q.name)}(${q.values.map(arg).join(', ')});`;
  });
  return [
    `\\set u ${FIRST} + :client_id % ${users}`,
    '\\if :prepared = 0',
    ...prepares,
    '\\set prepared 1',
    '\\endif',
    ...body,
    '',
  ].join('\n');
}

/** pgbench's users and sessions, alongside Pulse's in the bench database. */
export function seedPgbench(url, users) {
  return withClient(url, async (c) => {
    await c.query(
      `insert into public.users (id)
       select ($1 || n)::uuid from generate_series($2::int, $2::int + $3::int - 1) n
       on conflict do nothing`,
      [USER_PREFIX, FIRST, users],
    );
    await c.query(
      `insert into public.chat_sessions (id, user_id, title)
       select ($2 || n)::uuid, ($1 || n)::uuid, 'pgbench ' || n from generate_series($3::int, $3::int + $4::int - 1) n
       on conflict do nothing`,
      [USER_PREFIX, SESSION_PREFIX, FIRST, users],
    );
  });
}

function messageCount(url) {
  return withClient(url, async (c) => {
    const { rows } = await c.query(
      'select count(*)::int as n from public.chat_messages where session_id::text like $1',
      [`${SESSION_PREFIX}%`],
    );
    return rows[0].n;
  });
}

/** One connection to `url` for `work`, closed after. */
async function withClient(url, work) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

/**
 * Runs the script at `clients` connections for `seconds`; one transaction of pgbench is one
 * whole JSON send's database work (both of its transactions). Checks that every send stored its
 * two messages: a script that silently matched no row (RLS, a wrong id) would look fast.
 */
export async function runPgbench({ bin, url, script, clients, seconds }) {
  const dir = mkdtempSync(join(os.tmpdir(), 'pulse-bench-pgbench-'));
  const file = join(dir, 'send.sql');
  writeFileSync(file, script);
  const before = await messageCount(url);
  const u = new URL(url);
  const args = [
    '-n',
    '-M',
    'simple',
    '-D',
    'prepared=0',
    '-c',
    String(clients),
    '-j',
    String(Math.min(clients, os.availableParallelism())),
    '-T',
    String(seconds),
    '-f',
    file,
    '-h',
    u.hostname,
    '-p',
    u.port || '5432',
    '-U',
    decodeURIComponent(u.username || 'postgres'),
    u.pathname.slice(1),
  ];
  const load = os.loadavg()[0];
  log(`pgbench ${args.join(' ')}`);
  const child = spawn(bin, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PGPASSWORD: u.password },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
  const num = (re) => {
    const m = out.match(re);
    return m ? Number(m[1]) : Number.NaN;
  };
  const transactions = num(/number of transactions actually processed: (\d+)/);
  const failed = num(/number of failed transactions: (\d+)/);
  const stored = (await messageCount(url)) - before;
  if (code !== 0 || !(transactions > 0) || stored !== 2 * transactions) {
    throw new Error(`pgbench failed (exit ${code}, ${transactions} sends, ${stored} messages stored):\n${out}`);
  }
  // The pages the run dirtied are written out now, not during the next measurement.
  await withClient(url, (c) => c.query('checkpoint'));
  return {
    clients,
    seconds,
    transactions,
    failed,
    sendsPerSecond: +num(/tps = ([\d.]+) \(without initial connection time\)/).toFixed(1),
    latencyAvgMs: num(/latency average = ([\d.]+) ms/),
    loadAvg1mBefore: +load.toFixed(2),
  };
}
