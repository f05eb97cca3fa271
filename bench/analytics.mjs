// The admin analytics at a million messages: GET /api/admin/analytics over 24 hours by hour, 7
// days by day and 30 days by day, on a database holding 1,000,000 questions and answers from
// 5,000 users in 50,000 sessions over 30 days (plus 1% failed sends). Also prints the plan of
// the numbers query, to show it reads only the range's index entries.
//
//   npm run build -w backend && node bench/analytics.mjs            Postgres at BENCH_POSTGRES_URL
//   BENCH_MESSAGES=200000 BENCH_REQUESTS=10 node bench/analytics.mjs
//
// The activity log is seeded directly with the rows the message triggers would have written
// (seeding a million messages through the send path would measure the seeding, not the query).
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createPostgresDatabase, startBuiltServer } from '@pulse/testkit';
import { markdownTable, ms, summarize } from './lib/stats.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const env = process.env;
const MESSAGES = Number(env.BENCH_MESSAGES ?? 1_000_000);
const REQUESTS = Number(env.BENCH_REQUESTS ?? 20);
const ADMIN_URL = env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const USERS = 5_000;
const SESSIONS = 50_000;
const DAYS = 30;
const ADMIN_KEY = `bench-admin-${randomUUID()}`;
const log = (...a) => console.error('[analytics]', ...a);

/** Users, sessions, then the activity: half questions, half answers, spread over the last 30 days. */
const SEED = `
  insert into public.users (id) select ('00000000-0000-4000-8000-' || lpad(to_hex(u), 12, '0'))::uuid
    from generate_series(1, ${USERS}) u;
  insert into public.chat_sessions (id, user_id, title, created_at)
    select ('10000000-0000-4000-8000-' || lpad(to_hex(s), 12, '0'))::uuid,
           ('00000000-0000-4000-8000-' || lpad(to_hex(1 + s % ${USERS}), 12, '0'))::uuid,
           'Session ' || s, now() - random() * interval '${DAYS} days'
      from generate_series(1, ${SESSIONS}) s;
  insert into public.chat_activity (at, kind, user_id, session_id, prompt_tokens, completion_tokens, latency_ms, ttft_ms)
    select now() - random() * interval '${DAYS} days',
           case when m % 2 = 0 then 'question' else 'answer' end,
           ('00000000-0000-4000-8000-' || lpad(to_hex(1 + (m / 2 % ${SESSIONS}) % ${USERS}), 12, '0'))::uuid,
           ('10000000-0000-4000-8000-' || lpad(to_hex(1 + m / 2 % ${SESSIONS}), 12, '0'))::uuid,
           case when m % 2 = 1 then 200 + (random() * 2000)::int end,
           case when m % 2 = 1 then 20 + (random() * 400)::int end,
           case when m % 2 = 1 then 300 + (random() * 4000)::int end,
           case when m % 2 = 1 then 80 + (random() * 600)::int end
      from generate_series(1, ${MESSAGES}) m;
  insert into public.chat_activity (at, kind, user_id, session_id, code)
    select now() - random() * interval '${DAYS} days', 'error',
           ('00000000-0000-4000-8000-' || lpad(to_hex(1 + e % ${USERS}), 12, '0'))::uuid, null,
           (array['UPSTREAM_ERROR', 'UPSTREAM_TIMEOUT', 'QUOTA_EXCEEDED'])[1 + e % 3]
      from generate_series(1, ${MESSAGES / 100}) e;
  analyze public.chat_activity;
`;

async function timeRequests(url, token, query, requests = REQUESTS) {
  const times = [];
  let body;
  for (let i = 0; i < requests; i++) {
    const started = performance.now();
    const res = await fetch(`${url}/api/admin/analytics?${new URLSearchParams(query)}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    body = await res.json();
    if (res.status !== 200) throw new Error(`analytics answered ${res.status}: ${JSON.stringify(body)}`);
    times.push(performance.now() - started);
  }
  return { times, body };
}

async function main() {
  const db = await createPostgresDatabase(ADMIN_URL, 'pulse_bench_analytics');
  let server;
  const client = new pg.Client({ connectionString: db.url });
  try {
    // The server applies the migrations; the seed goes in once they are there.
    server = await startBuiltServer(
      {
        main: join(ROOT, 'backend/dist/main.js'),
        cwd: join(ROOT, 'backend'),
        env: {
          NODE_ENV: 'production',
          DATABASE_URL: db.url,
          JWT_SECRET_KEY: randomUUID(),
          PULSE_ADMIN_KEY: ADMIN_KEY,
          CORS_ORIGINS: 'http://localhost',
          DEMO_MODE: 'false',
          LOG_LEVEL: 'warn',
          AI_PROVIDER: 'demo',
        },
      },
      { path: '/health/ready', timeoutMs: 90_000 },
    );
    await client.connect();
    log(`seeding ${MESSAGES.toLocaleString('en')} messages`);
    const seedStarted = performance.now();
    await client.query(SEED);
    log(`seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);
    const { rows: size } = await client.query(
      `select pg_size_pretty(pg_total_relation_size('public.chat_activity')) as total,
              pg_size_pretty(pg_relation_size('public.chat_activity_at_idx')) as at_index`,
    );

    const tokenRes = await fetch(`${server.url}/api/admin/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ key: ADMIN_KEY }),
    });
    const { token } = await tokenRes.json();
    const now = Date.now();
    const iso = (msAgo) => new Date(now - msAgo).toISOString();
    const ranges = [
      { name: '24 hours by hour', query: { from: iso(86_400_000), to: iso(0), bucket: 'hour' } },
      { name: '7 days by day', query: { from: iso(7 * 86_400_000), to: iso(0), bucket: 'day' } },
      { name: '30 days by day', query: { from: iso(30 * 86_400_000), to: iso(0), bucket: 'day' } },
    ];
    // The first request sums every closed hour of the 30 days into chat_activity_hours (once).
    const coldStarted = performance.now();
    await timeRequests(server.url, token, { ...ranges[2].query }, 1);
    const coldMs = performance.now() - coldStarted;
    log(`first request (sums 30 days of closed hours): ${ms(coldMs)} ms`);
    const results = [];
    for (const r of ranges) {
      // One unmeasured request first: plans and caches warm.
      await timeRequests(server.url, token, r.query);
      const { times, body } = await timeRequests(server.url, token, r.query);
      results.push({ range: r.name, messages: body.totals.messages, buckets: body.series.length, ...summarize(times) });
      log(`${r.name}: p50 ${ms(summarize(times).p50)} ms`);
    }
    const { rows: plan } = await client.query(
      `explain (analyze, buffers, costs off)
       select * from public.chat_activity_hours where hour >= now() - interval '30 days' and hour < now()`,
    );
    const table = markdownTable(
      ['range', 'messages in range', 'buckets', 'p50 ms', 'p90 ms', 'max ms'],
      results.map((r) => [r.range, r.messages.toLocaleString('en'), r.buckets, ms(r.p50), ms(r.p90), ms(r.max)]),
    );
    console.log(`\nAnalytics over ${MESSAGES.toLocaleString('en')} messages (${REQUESTS} requests each)\n`);
    console.log(table);
    console.log(`\nfirst request, summing 30 days of closed hours: ${ms(coldMs)} ms`);
    console.log(`chat_activity: ${size[0].total} (the (at) index: ${size[0].at_index})\n`);
    console.log(plan.map((p) => p['QUERY PLAN']).join('\n'));
    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${new Date().toISOString().slice(0, 10)}-analytics.json`);
    writeFileSync(
      file,
      `${JSON.stringify(
        {
          at: new Date().toISOString(),
          machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model },
          messages: MESSAGES,
          requests: REQUESTS,
          size: size[0],
          firstRequestMs: coldMs,
          results,
          plan: plan.map((p) => p['QUERY PLAN']),
        },
        null,
        2,
      )}\n`,
    );
    log(`wrote ${file}`);
  } finally {
    await client.end().catch(() => undefined);
    await server?.stop();
    await db.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
