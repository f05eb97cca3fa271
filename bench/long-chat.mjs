// Long chats cost what short ones cost: opens, pages back through and sends into a
// 10-message and a 100,000-message session, and lists the first and a deep page for a user
// with 10 and a user with 10,000 sessions, all against one built server in one run, small
// and large interleaved so that machine noise hits both alike. Prints medians and ratios.
//
//   npm run build && node bench/long-chat.mjs              Postgres at BENCH_POSTGRES_URL
//   BENCH_DB=pglite node bench/long-chat.mjs               the embedded database
//   BENCH_PULSE_DIR=/tmp/before   measure another built checkout
//   BENCH_REQUESTS=100 (per measurement)   BENCH_EXPLAIN=1 prints the RLS plans (Postgres)
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { markdownTable, ms, summarize } from './lib/stats.mjs';
import { createPostgresDatabase, signToken, startBuiltServer, startOpenAIUpstream } from '@pulse/testkit';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const env = process.env;
// Another checkout's built backend (the code before a fix) to measure instead.
const PULSE_ROOT = env.BENCH_PULSE_DIR ?? ROOT;
const DB = env.BENCH_DB ?? 'postgres';
const REQUESTS = Number(env.BENCH_REQUESTS ?? 100);
const ADMIN_URL = env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BIG = 100_000;
const MANY = 10_000;
const log = (...a) => console.error('[long-chat]', ...a);

function startPulse(dbEnv, upstreamUrl, secret) {
  return startBuiltServer(
    {
      main: join(PULSE_ROOT, 'backend/dist/main.js'),
      cwd: join(PULSE_ROOT, 'backend'),
      env: {
        NODE_ENV: 'production',
        CORS_ORIGINS: 'http://localhost',
        AI_PROVIDER: 'openai',
        OPENAI_BASE_URL: upstreamUrl,
        OPENAI_API_KEY: 'sk-bench',
        JWT_SECRET_KEY: secret,
        DEMO_MODE: 'false',
        LOG_LEVEL: 'warn',
        RATE_LIMIT_PER_MINUTE: '0',
        RATE_LIMIT_SENDS_PER_MINUTE: '0',
        ...dbEnv,
      },
    },
    { path: '/health/ready', timeoutMs: 90_000 },
  );
}

/** The same seed on either database: SQL run as the service role. */
function seedSql(u) {
  return `
    insert into public.users (id) values ('${u.small}'), ('${u.big}'), ('${u.few}'), ('${u.many}');
    insert into public.chat_sessions (id, user_id, title, last_seq) values
      ('${u.smallSession}', '${u.small}', 'short', 10), ('${u.bigSession}', '${u.big}', 'long', ${BIG});
    insert into public.chat_messages (session_id, seq, role, content)
      select s, g, case when g % 2 = 1 then 'user' else 'assistant' end, 'message number ' || g
        from (values ('${u.smallSession}'::uuid, 10), ('${u.bigSession}'::uuid, ${BIG})) v(s, n), generate_series(1, v.n) g;
    insert into public.chat_sessions (user_id, title, updated_at, last_seq)
      select v.u, 'chat ' || g, now() - make_interval(secs => g), 2
        from (values ('${u.few}'::uuid, 10), ('${u.many}'::uuid, ${MANY})) v(u, n), generate_series(1, v.n) g;
    insert into public.chat_messages (session_id, seq, role, content)
      select s.id, g, case when g = 1 then 'user' else 'assistant' end, 'hello'
        from public.chat_sessions s, generate_series(1, 2) g where s.user_id in ('${u.few}', '${u.many}');
    analyze public.users, public.chat_sessions, public.chat_messages;`;
}

async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function get(base, token, path) {
  const res = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function main() {
  const upstream = await startOpenAIUpstream();
  const secret = randomBytes(32).toString('hex');
  const ids = {};
  for (const k of ['small', 'big', 'few', 'many', 'smallSession', 'bigSession']) ids[k] = randomUUID();

  let dbEnv;
  let dropDb;
  if (DB === 'postgres') {
    const created = await createPostgresDatabase(ADMIN_URL, 'pulse_bench_long');
    dbEnv = { DATABASE_URL: created.url };
    dropDb = () => created.drop();
  } else {
    const dir = mkdtempSync(join(os.tmpdir(), 'pulse-bench-long-'));
    dbEnv = { PGLITE_DATA_DIR: join(dir, 'pglite') };
    dropDb = async () => rmSync(dir, { recursive: true, force: true });
  }

  // Start once to migrate; seed PGlite offline (one process owns its folder), Postgres live.
  let pulse = await startPulse(dbEnv, upstream.url, secret);
  const t0 = performance.now();
  if (DB === 'postgres') {
    const c = new pg.Client({ connectionString: dbEnv.DATABASE_URL });
    await c.connect();
    await c.query(seedSql(ids));
    if (env.BENCH_EXPLAIN) await explainRls(c, ids);
    await c.end();
  } else {
    await pulse.stop();
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create(dbEnv.PGLITE_DATA_DIR);
    await db.exec(seedSql(ids));
    await db.close();
    pulse = await startPulse(dbEnv, upstream.url, secret);
  }
  log(`seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const token = (sub) => signToken(sub, { secret, expiresIn: '1h' });
  const tok = {};
  for (const k of ['small', 'big', 'few', 'many']) tok[k] = await token(ids[k]);
  const base = pulse.url;

  // Cursors: the middle of each session for paging back, position 9000 (or 5) in each list.
  const mid = (user, session, total) => pagedId(base, tok[user], session, Math.floor(total / 2));
  const deep = async (user, depth) => {
    let after;
    let last;
    for (let seen = 0; seen < depth;) {
      const q = `/api/chat/sessions?limit=100${after ? `&after=${after}` : ''}`;
      const page = await get(base, tok[user], q);
      const take = Math.min(page.data.length, depth - seen);
      last = page.data[take - 1].id;
      seen += take;
      after = page.last_id;
    }
    return last;
  };
  const cursors = {
    small: await mid('small', ids.smallSession, 10),
    big: await mid('big', ids.bigSession, BIG),
    few: await deep('few', 5),
    many: await deep('many', 9000),
  };

  const scenarios = [
    // As the issue measured it: the large chat returns 50 messages here, the small one its 10.
    [
      'open a chat, limit=50 (10 vs 50 returned)',
      'small',
      'big',
      (u, s) => get(base, tok[u], `/api/chat/sessions/${s}?limit=50`),
    ],
    // The same number of rows returned from both, so only the session's size differs.
    ['open a chat, limit=10', 'small', 'big', (u, s) => get(base, tok[u], `/api/chat/sessions/${s}?limit=10`)],
    [
      'page back from the middle, limit=4',
      'small',
      'big',
      (u, s) => get(base, tok[u], `/api/chat/sessions/${s}/messages?after=${cursors[u]}&order=desc&limit=4`),
    ],
    [
      'send (POST /api/chat/send, JSON, instant upstream)',
      'small',
      'big',
      async (u, s) => {
        const res = await fetch(`${base}/api/chat/send`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tok[u]}`, 'content-type': 'application/json' },
          body: JSON.stringify({ session_id: s, message: 'hello' }),
        });
        if (!res.ok) throw new Error(`send: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      },
    ],
    ['list sessions, first page (limit=20)', 'few', 'many', (u) => get(base, tok[u], '/api/chat/sessions?limit=20')],
    [
      'list sessions, deep page (after #5 / #9000, limit=20)',
      'few',
      'many',
      (u) => get(base, tok[u], `/api/chat/sessions?limit=20&after=${cursors[u]}`),
    ],
  ];
  const sessionOf = { small: ids.smallSession, big: ids.bigSession, few: undefined, many: undefined };

  const rows = [];
  const results = [];
  for (const [label, a, b, fn] of scenarios) {
    for (let i = 0; i < 10; i += 1) {
      await fn(a, sessionOf[a]);
      await fn(b, sessionOf[b]);
    }
    const ta = [];
    const tb = [];
    for (let i = 0; i < REQUESTS; i += 1) {
      ta.push(await timed(() => fn(a, sessionOf[a])));
      tb.push(await timed(() => fn(b, sessionOf[b])));
    }
    const sa = summarize(ta);
    const sb = summarize(tb);
    const ratio = sb.p50 / sa.p50;
    results.push({ label, small: sa, large: sb, ratio });
    rows.push([label, ms(sa.p50), ms(sb.p50), `${ratio.toFixed(2)}x`]);
    log(`${label}: ${ms(sa.p50)} vs ${ms(sb.p50)} ms (${ratio.toFixed(2)}x)`);
  }

  await pulse.stop();
  await upstream.close();
  await dropDb();

  console.log(`\n${DB}, ${REQUESTS} requests each, medians (ms):\n`);
  console.log(markdownTable(['', 'small (10 messages / 10 sessions)', 'large (100,000 / 10,000)', 'ratio'], rows));
  const out = join(ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  const file = join(
    out,
    `${new Date().toISOString().slice(0, 10)}-long-chat-${DB}${env.BENCH_LABEL ? `-${env.BENCH_LABEL}` : ''}.json`,
  );
  writeFileSync(file, JSON.stringify({ db: DB, requests: REQUESTS, results }, null, 2));
  log(`wrote ${file}`);
}

/** The id of the message at 1-based position `n` of a session (via the API's own paging). */
async function pagedId(base, token, session, n) {
  let after;
  let seen = 0;
  for (;;) {
    const page = await get(
      base,
      token,
      `/api/chat/sessions/${session}/messages?order=asc&limit=100${after ? `&after=${after}` : ''}`,
    );
    if (seen + page.data.length >= n) return page.data[n - seen - 1].id;
    seen += page.data.length;
    after = page.last_id;
  }
}

/** EXPLAIN ANALYZE of opening and paging the long chat as `authenticated`, generic plans. */
async function explainRls(c, ids) {
  const claims = JSON.stringify({ sub: ids.big, role: 'authenticated' });
  await c.query('begin');
  await c.query(`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`, [
    claims,
  ]);
  await c.query('set local plan_cache_mode = force_generic_plan');
  for (const [name, sql, args] of [
    [
      'open',
      'select id, session_id, seq::int as seq, role, content, created_at, metadata from public.chat_messages where session_id = $1 order by chat_messages.seq desc limit $2',
      `('${ids.bigSession}', 51)`,
    ],
  ]) {
    await c.query(`prepare ${name} as ${sql}`);
    const { rows } = await c.query(`explain (analyze, buffers, costs off) execute ${name}${args}`);
    console.log(`\n-- ${name}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`);
  }
  await c.query('rollback');
}

await main();
