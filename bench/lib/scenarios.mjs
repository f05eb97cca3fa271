// Load scenarios: JSON sends (autocannon), streamed sends through Pulse, streams straight to the
// upstream, and one database's whole run of them. The settings come from BENCH_* variables.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { createPostgresDatabase, newUserId, signToken } from '@pulse/testkit';
import { cpuMeter, machineSettled, settled } from './cpu.mjs';
import { findPgbench, pgbenchScript, recordSendSql, runPgbench, seedPgbench } from './pgbench.mjs';
import { cleanups, log, pulseEnv, startPulse, stop } from './processes.mjs';
import { summarize } from './stats.mjs';
import { streamLoad } from './stream-load.mjs';

const env = process.env;
const num = (name, fallback) => (env[name] ? Number(env[name]) : fallback);

export const SETTINGS = {
  databases: (env.BENCH_DB ?? 'pglite,postgres')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
  clients: (env.BENCH_CLIENTS ?? '1,50,200').split(',').map(Number),
  users: num('BENCH_USERS', 200),
  warmupSeconds: num('BENCH_WARMUP_SECONDS', 3),
  jsonSeconds: num('BENCH_JSON_SECONDS', 10),
  streamSeconds: num('BENCH_STREAM_SECONDS', 10),
  directSeconds: num('BENCH_DIRECT_SECONDS', 5),
  // Streamed answers shaped like a fast hosted model's: first token after 300 ms, then 40
  // one-word chunks 25 ms apart (40 tokens/s), ~1.3 s in all. N clients then hold about N
  // streams open at once, as N widget users would, rather than hammering an instant server
  // (the JSON table shows that case). The upstream's own wait is subtracted per request.
  firstTokenMs: num('BENCH_FIRST_TOKEN_MS', 300),
  // Random pause (0..thinkMs) before each streamed request: independent users, not a lockstep march.
  thinkMs: num('BENCH_THINK_MS', 1000),
  chunkDelayMs: num('BENCH_CHUNK_DELAY_MS', 25),
  answerWords: num('BENCH_ANSWER_WORDS', 40),
  postgresUrl: env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  // For the `postgres+redis` entry of BENCH_DB: the replicas setup, shared state in Redis.
  redisUrl: env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  // The pgbench ceiling runs in the `postgres` entry unless BENCH_PGBENCH=0; at most this many
  // connections (the server's max_connections is shared with everything else on it).
  pgbench: env.BENCH_PGBENCH !== '0',
  pgbenchMaxClients: num('BENCH_PGBENCH_MAX_CLIENTS', 50),
  label: env.BENCH_LABEL ?? '',
  // The database on a core of its own (lib/pin.mjs).
  pin: env.BENCH_PIN === '1',
  repeat: num('BENCH_REPEAT', 1),
};
const WORDS = 'hello pulse, please echo these few words back';
const JSON_MESSAGE = `${WORDS}, thanks`;

const INSTANT = { firstTokenDelayMs: 0, chunkDelayMs: 0, words: 0 };
const PACED = {
  firstTokenDelayMs: SETTINGS.firstTokenMs,
  chunkDelayMs: SETTINGS.chunkDelayMs,
  words: SETTINGS.answerWords,
};
// One client holds one stream at a time, so it gets twice as long to collect a few samples.
const streamSeconds = (clients) => (clients === 1 ? 2 : 1) * SETTINGS.streamSeconds;
const directSeconds = (clients) => (clients === 1 ? 2 : 1) * SETTINGS.directSeconds;

export async function mintTokens(secret, count) {
  return Promise.all(Array.from({ length: count }, () => signToken(newUserId(), { secret, expiresIn: '2h' })));
}

/** One session per user, created through the API (which also provisions the user). */
export async function createSessions(base, tokens) {
  const sessions = Array.from({ length: tokens.length });
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < tokens.length; i = next++) {
      const res = await fetch(`${base}/api/chat/sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens[i]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `bench ${i}` }),
      });
      if (res.status !== 201 && res.status !== 200)
        throw new Error(`create session: HTTP ${res.status} ${await res.text()}`);
      sessions[i] = (await res.json()).id;
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
  return sessions;
}

async function jsonLoad(base, users, clients, seconds) {
  let nextClient = 0;
  const result = await autocannon({
    url: `${base}/api/chat/send`,
    method: 'POST',
    connections: clients,
    pipelining: 1,
    duration: seconds,
    timeout: 30,
    setupClient: (client) => {
      const i = nextClient++ % users.tokens.length;
      client.setHeadersAndBody(
        { authorization: `Bearer ${users.tokens[i]}`, 'content-type': 'application/json' },
        JSON.stringify({ message: JSON_MESSAGE, session_id: users.sessions[i] }),
      );
    },
  });
  return {
    clients,
    seconds,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    sendsPerSecond: +(result['2xx'] / seconds).toFixed(1),
    latencyMs: {
      p50: result.latency.p50,
      p97_5: result.latency.p97_5,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.mean,
    },
  };
}

let runNo = 0;
let entryNo = 0;

/** pgbench doing a JSON send's database work, on the database Pulse runs on; undefined when not asked for. */
async function pgbenchCeiling(db, dbEnv, secret, users, base) {
  if (db !== 'postgres' || !SETTINGS.pgbench) return undefined;
  const found = findPgbench();
  if (!found) {
    log('pgbench not found (Debian: postgresql-contrib); no ceiling');
    return undefined;
  }
  // One real send first, so the answer's metadata has its real shape and size.
  const res = await fetch(`${base}/api/chat/send`, {
    method: 'POST',
    headers: { authorization: `Bearer ${users.tokens[0]}`, 'content-type': 'application/json' },
    body: JSON.stringify({ message: JSON_MESSAGE, session_id: users.sessions[0] }),
  });
  const sample = await res.json();
  const metadata = {
    provider: sample.provider,
    model: sample.model,
    usage: sample.usage,
    finish_reason: sample.finish_reason,
    latency_ms: 3,
    ttft_ms: 3,
    reply_to: sample.user_message_id,
  };
  const ids = { userId: randomUUID(), sessionId: randomUUID() };
  const sent = await recordSendSql(pulseEnv(dbEnv, 'http://127.0.0.1:9/v1', secret), {
    ...ids,
    message: JSON_MESSAGE,
    answer: sample.response,
    metadata,
  });
  await seedPgbench(dbEnv.DATABASE_URL, SETTINGS.users);
  return { ...found, url: dbEnv.DATABASE_URL, script: pgbenchScript(sent, { ...ids, users: SETTINGS.users }) };
}

/** Streams through Pulse; pairs each with the upstream's own record of the same request. */
async function pulseStreams(base, users, upstream, clients, seconds) {
  const run = (runNo += 1);
  await upstream.control('/__bench/timings'); // forget anything from earlier runs
  const load = await streamLoad({
    thinkMs: SETTINGS.thinkMs,
    baseUrl: base,
    clients,
    durationMs: seconds * 1000,
    request: (client, n) => {
      const i = client % users.tokens.length;
      const nonce = `r${run}c${client}n${n}`;
      return {
        path: '/api/chat/send',
        nonce,
        headers: {
          authorization: `Bearer ${users.tokens[i]}`,
          'content-type': 'application/json',
          accept: 'text/event-stream',
        },
        body: JSON.stringify({ message: `bench-${nonce} ${WORDS}`, session_id: users.sessions[i] }),
      };
    },
    firstTokenMarker: '"type":"text-delta"',
    errorMarker: '"type":"error"',
    doneMarker: 'data: [DONE]',
  });
  const upstreamByNonce = new Map((await upstream.control('/__bench/timings')).map((t) => [t.nonce, t]));
  const pulseTtft = [];
  const upstreamTtft = [];
  const overhead = [];
  const beforeUpstream = [];
  const relay = [];
  let unmatched = 0;
  for (const s of load.samples) {
    const u = upstreamByNonce.get(s.nonce);
    if (!u) {
      unmatched += 1;
      continue;
    }
    const client = s.firstTokenAt - s.startedAt;
    const own = u.firstContentAt - u.arrivedAt;
    pulseTtft.push(client);
    upstreamTtft.push(own);
    overhead.push(client - own);
    // Upstream stamps moved onto this process's clock; the overhead above needs no such step.
    beforeUpstream.push(u.arrivedAt - upstream.clockOffsetMs - s.startedAt);
    relay.push(s.firstTokenAt - (u.firstContentAt - upstream.clockOffsetMs));
  }
  return {
    clients,
    seconds,
    streams: load.samples.length,
    streamsPerSecond: +(load.samples.length / seconds).toFixed(1),
    errors: load.errors.length,
    errorSamples: [...new Set(load.errors)].slice(0, 3),
    unmatched,
    pulseTtftMs: summarize(pulseTtft),
    upstreamTtftMs: summarize(upstreamTtft),
    overheadMs: summarize(overhead),
    beforeUpstreamMs: summarize(beforeUpstream),
    relayMs: summarize(relay),
  };
}

/** The same streams sent straight to the upstream: the floor of client + HTTP + stub. */
async function directStreams(upstream, clients, seconds) {
  const run = (runNo += 1);
  await upstream.control('/__bench/timings');
  const load = await streamLoad({
    thinkMs: SETTINGS.thinkMs,
    baseUrl: `http://127.0.0.1:${upstream.port}`,
    clients,
    durationMs: seconds * 1000,
    request: (client, n) => {
      const nonce = `r${run}c${client}n${n}`;
      return {
        path: '/v1/chat/completions',
        nonce,
        headers: { authorization: 'Bearer sk-bench', 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({
          model: 'gpt-4o-mini',
          stream: true,
          stream_options: { include_usage: true },
          messages: [
            { role: 'system', content: 'You are a helpful assistant.' },
            { role: 'user', content: `bench-${nonce} ${WORDS}` },
          ],
        }),
      };
    },
    firstTokenMarker: '"delta":{"content":',
    errorMarker: '"error":{',
    doneMarker: 'data: [DONE]',
  });
  await upstream.control('/__bench/timings');
  return {
    clients,
    seconds,
    streams: load.samples.length,
    errors: load.errors.length,
    ttftMs: summarize(load.samples.map((s) => s.firstTokenAt - s.startedAt)),
  };
}

export async function benchDatabase(db, upstream, stamp) {
  const secret = randomBytes(30).toString('base64url'); // 40 characters
  let dbEnv;
  let cleanup;
  let serverVersion;
  if (db === 'pglite') {
    const dir = mkdtempSync(join(os.tmpdir(), 'pulse-bench-pglite-'));
    dbEnv = { PGLITE_DATA_DIR: join(dir, 'data') };
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
    serverVersion = 'PGlite (embedded, one connection)';
  } else if (db === 'postgres' || db === 'postgres+redis') {
    const admin = new pg.Client({ connectionString: SETTINGS.postgresUrl });
    await admin.connect();
    serverVersion = (await admin.query('show server_version')).rows[0].server_version;
    await admin.end();
    const database = await createPostgresDatabase(SETTINGS.postgresUrl, `pulse_bench_${stamp}_${(entryNo += 1)}`);
    dbEnv = { DATABASE_URL: database.url };
    // A key prefix of this entry's own, so nothing it leaves in Redis meets another run's keys.
    if (db === 'postgres+redis') {
      dbEnv = { ...dbEnv, REDIS_URL: SETTINGS.redisUrl, REDIS_KEY_PREFIX: `pulse-bench-${stamp}-${entryNo}:` };
    }
    cleanup = () => database.drop();
  } else {
    throw new Error(`unknown BENCH_DB entry: ${db}`);
  }

  const logFile = join(os.tmpdir(), `pulse-bench-${stamp}-${db}.log`);
  cleanups.add(cleanup);
  let pulse;
  try {
    log(`${db}: starting Pulse (log: ${logFile})`);
    pulse = await startPulse(dbEnv, upstream.url, secret, logFile);
    const tokens = await mintTokens(secret, SETTINGS.users);
    const sessions = await createSessions(pulse.base, tokens);
    const users = { tokens, sessions };

    log(`${db}: warm-up`);
    await upstream.control('/__bench/pace', INSTANT);
    await jsonLoad(pulse.base, users, 50, SETTINGS.warmupSeconds);
    await upstream.control('/__bench/idle');
    await upstream.control('/__bench/pace', PACED);
    await pulseStreams(pulse.base, users, upstream, 20, Math.max(1, SETTINGS.warmupSeconds - 1));

    await upstream.control('/__bench/pace', INSTANT);
    const ceiling = await pgbenchCeiling(db, dbEnv, secret, users, pulse.base);
    const json = [];
    const streams = [];
    const direct = [];
    const pgbench = [];
    for (const clients of SETTINGS.clients) {
      await upstream.control('/__bench/pace', INSTANT);
      log(`${db}: JSON sends, ${clients} clients, ${SETTINGS.jsonSeconds} s`);
      await settled(pulse.child.pid);
      let meter = cpuMeter(pulse.child.pid);
      const j = await jsonLoad(pulse.base, users, clients, SETTINGS.jsonSeconds);
      Object.assign(j, meter(j.ok));
      j.pulseCpuPercent = Math.round((j.pulseCpuSeconds / SETTINGS.jsonSeconds) * 100);
      json.push(j);

      // autocannon cuts its last sends off, and Pulse answers them all the same: they get the
      // instant answer they were measured with, and no streamed send waits behind one of them in
      // its session's queue (which held a first send 290 ms when the pace changed under them).
      await upstream.control('/__bench/idle');
      await upstream.control('/__bench/pace', PACED);
      log(`${db}: streamed sends, ${clients} clients, ${streamSeconds(clients)} s`);
      await settled(pulse.child.pid);
      meter = cpuMeter(pulse.child.pid);
      const s = await pulseStreams(pulse.base, users, upstream, clients, streamSeconds(clients));
      Object.assign(s, meter(s.streams));
      s.pulseCpuPercent = Math.round((s.pulseCpuSeconds / streamSeconds(clients)) * 100);
      streams.push(s);

      log(`${db}: streams straight to the upstream, ${clients} clients, ${directSeconds(clients)} s`);
      direct.push(await directStreams(upstream, clients, directSeconds(clients)));

      // Last at each level, ending with a CHECKPOINT and a quiet machine: the database's own work
      // after a pgbench run lands in no measurement, streamed or JSON, of this entry or the next.
      if (ceiling) {
        const connections = Math.min(clients, SETTINGS.pgbenchMaxClients);
        log(`${db}: pgbench, the same two transactions, ${connections} connections, ${SETTINGS.jsonSeconds} s`);
        pgbench.push({
          pulseClients: clients,
          ...(await runPgbench({ ...ceiling, clients: connections, seconds: SETTINGS.jsonSeconds })),
        });
        await machineSettled();
      }
    }
    return {
      db,
      serverVersion,
      json,
      streams,
      direct,
      ...(ceiling ? { pgbench, pgbenchVersion: ceiling.version, pgbenchScript: ceiling.script } : {}),
    };
  } finally {
    if (pulse) await stop(pulse.child);
    await cleanup();
    cleanups.delete(cleanup);
  }
}
