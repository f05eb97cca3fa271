// The host page's tool round trip (issue 24): the time Pulse adds between the moment the page
// learns of the model's call (the `tool-input-available` part) and the moment the model is
// asked again with the page's result, at 1 and 50 clients. The page's `execute` is instantaneous
// and the model is a stand-in in this process that answers at once, so what is measured is
// Pulse's share: ending the first stream, the page's POST of the results, storing them,
// building the model's request, and asking the model.
//
//   npm run build -w backend && node bench/tool-round-trip.mjs      Postgres at BENCH_POSTGRES_URL
//   BENCH_RUNS (2: each a fresh database and server)   BENCH_LEVELS (1,50)
//   BENCH_ONE_SECONDS (20) / BENCH_ONE_ROUNDS (200): 1 client stops at whichever comes first
//   BENCH_MANY_SECONDS (30)   BENCH_WARMUP_SECONDS (5)   BENCH_PLAIN_SECONDS (10)
//
// The stand-in model and the clients share one process, so "the stand-in received the request"
// and "the client saw the part" are read from the same performance.now() clock.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createPostgresDatabase, signToken, startBuiltServer } from '@pulse/testkit';
import { markdownTable, ms, summarize } from './lib/stats.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const env = process.env;
const ADMIN_URL = env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RUNS = Number(env.BENCH_RUNS ?? 2);
const LEVELS = (env.BENCH_LEVELS ?? '1,50').split(',').map(Number);
const ONE_SECONDS = Number(env.BENCH_ONE_SECONDS ?? 20);
const ONE_ROUNDS = Number(env.BENCH_ONE_ROUNDS ?? 200);
const MANY_SECONDS = Number(env.BENCH_MANY_SECONDS ?? 30);
const WARMUP_SECONDS = Number(env.BENCH_WARMUP_SECONDS ?? 5);
const PLAIN_SECONDS = Number(env.BENCH_PLAIN_SECONDS ?? 10);
const REQUEST_TIMEOUT_MS = 30_000;
const log = (...a) => console.error('[tool-round-trip]', ...a);

/** The demo shop's tool, as a page registers it. */
const CART = {
  name: 'add_to_cart',
  description: "Add a product from this shop to the visitor's cart",
  parameters: {
    type: 'object',
    properties: {
      product: { type: 'string', enum: ['mug', 't-shirt', 'poster'] },
      color: { type: 'string' },
      quantity: { type: 'integer', minimum: 1, maximum: 20 },
    },
    required: ['product', 'quantity'],
    additionalProperties: false,
  },
};
// The call's arguments in three pieces, as the real API streams them.
const ARGUMENT_PIECES = ['{"product":"mug",', '"color":"blue",', '"quantity":2}'];
const ANSWER_PIECES = ['Two blue', ' mugs are', ' in your cart.'];

/**
 * A minimal OpenAI-compatible model: `POST /v1/chat/completions`, streamed as
 * `chat.completion.chunk` events. A request whose last message is a tool result gets a short
 * text; a request offering tools gets one call of the first tool; anything else a short text.
 * Every request's arrival is noted: continuations by the call id they answer, sends by the
 * `bench-…` nonce of their question.
 */
async function startStandIn() {
  const continuations = new Map();
  const sends = new Map();
  const unexpected = [];
  let calls = 0;

  const server = http.createServer((req, res) => {
    const arrivedAt = performance.now();
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      unexpected.push(`${req.method} ${req.url}`);
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not here"}}');
      return;
    }
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const body = JSON.parse(raw);
      const last = body.messages.at(-1);
      const base = {
        id: `chatcmpl-${randomBytes(9).toString('base64url')}`,
        object: 'chat.completion.chunk',
        created: Math.floor(Date.now() / 1000),
        model: body.model ?? 'gpt-4o-mini',
        system_fingerprint: 'fp_bench',
      };
      const usage = body.stream_options?.include_usage === true;
      const chunk = (delta, finish = null) =>
        `data: ${JSON.stringify({
          ...base,
          choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
          ...(usage ? { usage: null } : {}),
        })}\n\n`;
      const end = () => {
        if (usage) {
          const counts = { prompt_tokens: 120, completion_tokens: 12, total_tokens: 132 };
          res.write(`data: ${JSON.stringify({ ...base, choices: [], usage: counts })}\n\n`);
        }
        res.end('data: [DONE]\n\n');
      };
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });

      if (last?.role === 'tool') {
        continuations.set(last.tool_call_id, arrivedAt);
      } else {
        const text = typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content ?? '');
        const nonce = /bench-[\w-]+/.exec(text)?.[0];
        if (nonce) sends.set(nonce, arrivedAt);
      }
      if (last?.role !== 'tool' && body.tools?.length) {
        calls += 1;
        const id = `call_${calls}_${randomBytes(6).toString('base64url')}`;
        const name = body.tools[0].function.name;
        res.write(
          chunk({
            role: 'assistant',
            content: null,
            tool_calls: [{ index: 0, id, type: 'function', function: { name, arguments: '' } }],
            refusal: null,
          }),
        );
        for (const piece of ARGUMENT_PIECES)
          res.write(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
        res.write(chunk({}, 'tool_calls'));
        end();
        return;
      }
      res.write(chunk({ role: 'assistant', content: '', refusal: null }));
      for (const piece of ANSWER_PIECES) res.write(chunk({ content: piece }));
      res.write(chunk({}, 'stop'));
      end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/v1`,
    continuations,
    sends,
    unexpected,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

/**
 * POSTs `body` with Accept: text/event-stream and reads the AI SDK UI message stream to its end,
 * handing each part to `onPart` with the time its chunk arrived. Resolves with the end's time.
 */
function postStream(agent, base, path, token, body, onPart) {
  const payload = JSON.stringify(body);
  const target = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: 'POST',
        path,
        agent,
        timeout: REQUEST_TIMEOUT_MS,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'text/event-stream',
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        res.setEncoding('utf8');
        if (res.statusCode !== 200) {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => reject(new Error(`${path}: HTTP ${res.statusCode} ${text.slice(0, 300)}`)));
          return;
        }
        let buffered = '';
        res.on('data', (chunk) => {
          const at = performance.now();
          buffered += chunk;
          let cut;
          while ((cut = buffered.indexOf('\n\n')) >= 0) {
            const event = buffered.slice(0, cut);
            buffered = buffered.slice(cut + 2);
            for (const line of event.split('\n')) {
              if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
              onPart(JSON.parse(line.slice(6)), at);
            }
          }
        });
        res.on('end', () => resolve(performance.now()));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${path}: no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** One round trip as the widget makes it: the send, the page's execute, the results, the continuation. */
async function roundTrip(ctx, user, n) {
  const nonce = `bench-${user.index}-${n}-${randomBytes(4).toString('hex')}`;
  const r = { sendAt: performance.now() };
  r.firstEndedAt = await postStream(
    ctx.agent,
    ctx.base,
    '/api/chat/send',
    user.token,
    { session_id: user.session, message: `Add two blue mugs to my cart (${nonce})`, tools: [CART] },
    (part, at) => {
      if (part.type === 'tool-input-start') r.firstPartAt ??= at;
      if (part.type === 'tool-input-available') {
        r.inputAt = at;
        r.callId = part.toolCallId;
        r.input = part.input;
      }
      if (part.type === 'data-message') r.assistantId = part.data.assistant_message_id;
      if (part.type === 'error') r.error = part.errorText;
    },
  );
  if (r.error || !r.callId || !r.assistantId) throw new Error(`send: no call to run (${r.error ?? 'no call'})`);
  // The page's execute runs now, and takes no time.
  const output = { ok: true, cart: [r.input] };
  r.postAt = performance.now();
  r.doneAt = await postStream(
    ctx.agent,
    ctx.base,
    `/api/chat/sessions/${user.session}/tool-results`,
    user.token,
    { assistant_message_id: r.assistantId, results: [{ tool_call_id: r.callId, output }] },
    (part, at) => {
      if (part.type === 'text-delta') r.textAt ??= at;
      if (part.type === 'finish') r.finishReason = part.finishReason;
      if (part.type === 'error') r.error = part.errorText;
    },
  );
  if (r.error || r.finishReason !== 'stop' || r.textAt === undefined) {
    throw new Error(`continuation: ${r.error ?? `finish ${r.finishReason}`}`);
  }
  r.sendModelAt = ctx.standIn.sends.get(nonce);
  r.continuationModelAt = ctx.standIn.continuations.get(r.callId);
  return r;
}

/** A send without tools: the stand-in answers with text at once. */
async function plainSend(ctx, user, n) {
  const nonce = `bench-${user.index}-p${n}-${randomBytes(4).toString('hex')}`;
  const r = { sendAt: performance.now() };
  await postStream(
    ctx.agent,
    ctx.base,
    '/api/chat/send',
    user.token,
    { session_id: user.session, message: `Which mugs do you have? (${nonce})` },
    (part, at) => {
      if (part.type === 'text-delta') r.textAt ??= at;
      if (part.type === 'error') r.error = part.errorText;
    },
  );
  if (r.error || r.textAt === undefined) throw new Error(`plain send: ${r.error ?? 'no text'}`);
  r.modelAt = ctx.standIn.sends.get(nonce);
  return r;
}

/** `clients` closed loops of `step` (no pause between), until `seconds` pass or each made `max`. */
async function closedLoop(ctx, clients, seconds, step, max = Infinity) {
  const deadline = performance.now() + seconds * 1000;
  const samples = [];
  const errors = [];
  const started = performance.now();
  await Promise.all(
    ctx.users.slice(0, clients).map(async (user) => {
      for (let n = 0; n < max && performance.now() < deadline; n++) {
        try {
          samples.push(await step(ctx, user, n));
        } catch (err) {
          errors.push(err.message);
        }
      }
    }),
  );
  return { samples, errors, seconds: (performance.now() - started) / 1000 };
}

const between = (samples, from, to) =>
  summarize(samples.filter((s) => s[from] !== undefined && s[to] !== undefined).map((s) => s[to] - s[from]));

async function measureLevel(ctx, clients) {
  const seconds = clients === 1 ? ONE_SECONDS : MANY_SECONDS;
  const max = clients === 1 ? ONE_ROUNDS : Infinity;
  log(`${clients} client(s): warm-up ${WARMUP_SECONDS} s`);
  await closedLoop(ctx, clients, WARMUP_SECONDS, roundTrip);
  const load1 = os.loadavg()[0];
  log(`${clients} client(s): round trips for ${seconds} s${Number.isFinite(max) ? ` or ${max} each` : ''}`);
  const trips = await closedLoop(ctx, clients, seconds, roundTrip, max);
  log(`${clients} client(s): plain sends for ${PLAIN_SECONDS} s`);
  const plain = await closedLoop(ctx, clients, PLAIN_SECONDS, plainSend);
  const t = trips.samples;
  return {
    clients,
    loadAverage1m: [load1, os.loadavg()[0]],
    roundTrips: t.length,
    seconds: trips.seconds,
    roundTripsPerSecond: t.length / trips.seconds,
    errors: trips.errors.length + plain.errors.length,
    errorSamples: [...trips.errors, ...plain.errors].slice(0, 5),
    missingArrivals: t.filter((s) => s.continuationModelAt === undefined).length,
    // The round trip's added time: the page could run execute → the model is asked again.
    added: between(t, 'inputAt', 'continuationModelAt'),
    // Its parts: the first stream's end after the call arrived; the POST until the model is asked.
    inputToFirstEnd: between(t, 'inputAt', 'firstEndedAt'),
    postToModel: between(t, 'postAt', 'continuationModelAt'),
    // What the visitor waits for after the page ran the tool.
    postToText: between(t, 'postAt', 'textAt'),
    wholeRoundTrip: between(t, 'sendAt', 'doneAt'),
    // The first send of the same round trips (it carries the tool), for comparison.
    sendToModel: between(t, 'sendAt', 'sendModelAt'),
    sendToFirstPart: between(t, 'sendAt', 'firstPartAt'),
    plain: {
      sends: plain.samples.length,
      sendsPerSecond: plain.samples.length / plain.seconds,
      sendToModel: between(plain.samples, 'sendAt', 'modelAt'),
      sendToText: between(plain.samples, 'sendAt', 'textAt'),
    },
  };
}

async function createSessions(base, users) {
  for (const user of users) {
    const res = await fetch(`${base}/api/chat/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: `bench ${user.index}` }),
    });
    if (!res.ok) throw new Error(`create session: HTTP ${res.status} ${await res.text()}`);
    user.session = (await res.json()).id;
  }
}

/** The answers the round trips stored: every call answered, none still waiting. */
async function storedCalls(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(`
      select count(*) filter (where c->>'state' = 'output-available')::int as answered,
             count(*) filter (where c->>'state' <> 'output-available')::int as other,
             (select count(*)::int from public.chat_tool_waits) as waiting
        from public.chat_messages m, jsonb_array_elements(m.metadata->'tool_calls') c
       where m.role = 'assistant'`);
    return rows[0];
  } finally {
    await client.end();
  }
}

async function oneRun(run) {
  const standIn = await startStandIn();
  const db = await createPostgresDatabase(ADMIN_URL, 'pulse_bench_tools');
  const secret = randomBytes(32).toString('hex');
  let server;
  try {
    server = await startBuiltServer(
      {
        main: join(ROOT, 'backend/dist/main.js'),
        cwd: join(ROOT, 'backend'),
        env: {
          NODE_ENV: 'production',
          DATABASE_URL: db.url,
          CORS_ORIGINS: 'http://localhost',
          AI_PROVIDER: 'openai',
          OPENAI_BASE_URL: standIn.url,
          OPENAI_API_KEY: 'sk-bench',
          JWT_SECRET_KEY: secret,
          AUTO_PROVISION_USERS: 'true',
          DEMO_MODE: 'false',
          LOG_LEVEL: 'warn',
          RATE_LIMIT_PER_MINUTE: '0',
          RATE_LIMIT_SENDS_PER_MINUTE: '0',
        },
      },
      { path: '/health/ready', timeoutMs: 90_000 },
    );
    const clients = Math.max(...LEVELS);
    const users = await Promise.all(
      Array.from({ length: clients }, async (_, index) => ({
        index,
        token: await signToken(`00000000-0000-4000-8000-${String(index + 1).padStart(12, '0')}`, {
          secret,
          expiresIn: '2h',
        }),
      })),
    );
    await createSessions(server.url, users);
    const agent = new http.Agent({ keepAlive: true, maxSockets: clients * 2 });
    const ctx = { base: server.url, agent, users, standIn };
    const levels = [];
    for (const level of LEVELS) levels.push(await measureLevel(ctx, level));
    agent.destroy();
    const stored = await storedCalls(db.url);
    if (standIn.unexpected.length) log(`the stand-in was asked for: ${standIn.unexpected.slice(0, 5).join(', ')}`);
    return { run, startedAt: new Date().toISOString(), levels, stored, unexpectedRequests: standIn.unexpected };
  } finally {
    await server?.stop();
    await standIn.close();
    await db.drop();
  }
}

function report(runs) {
  const row = (run, l) => [
    run,
    l.clients,
    l.roundTrips,
    l.roundTripsPerSecond.toFixed(1),
    `**${ms(l.added.p50)}** / ${ms(l.added.p90)} / ${ms(l.added.p99)} / ${ms(l.added.max)}`,
    `${ms(l.inputToFirstEnd.p50)} + ${ms(l.postToModel.p50)}`,
    `${ms(l.postToText.p50)} / ${ms(l.postToText.p90)} / ${ms(l.postToText.p99)} / ${ms(l.postToText.max)}`,
    `${ms(l.sendToModel.p50)} / ${ms(l.plain.sendToModel.p50)}`,
    `${ms(l.sendToFirstPart.p50)} / ${ms(l.plain.sendToText.p50)}`,
    l.loadAverage1m.map((v) => v.toFixed(1)).join('–'),
    l.errors,
  ];
  return markdownTable(
    [
      'run',
      'clients',
      'round trips',
      'round trips/s',
      'added p50 / p90 / p99 / max ms',
      'of which: call → first stream ended + results POST → model, p50 ms',
      'results POST → first text p50 / p90 / p99 / max ms',
      'send → model p50 ms, with tools / plain',
      'send → first part p50 ms, with tools / plain',
      'load 1m',
      'errors',
    ],
    runs.flatMap((r) => r.levels.map((l) => row(r.run, l))),
  );
}

async function main() {
  const runs = [];
  for (let run = 1; run <= RUNS; run++) {
    log(`run ${run} of ${RUNS}`);
    runs.push(await oneRun(run));
  }
  console.log(
    `\nTool round trip (instant model and execute), Postgres, ${os.cpus().length} × ${os.cpus()[0]?.model}\n`,
  );
  console.log(report(runs));
  for (const r of runs) {
    console.log(
      `\nrun ${r.run}: stored calls answered ${r.stored.answered}, other ${r.stored.other}, still waiting ${r.stored.waiting}`,
    );
  }
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(
    dir,
    `${new Date().toISOString().slice(0, 10)}-tool-round-trip${env.BENCH_LABEL ? `-${env.BENCH_LABEL}` : ''}.json`,
  );
  const settings = {
    levels: LEVELS,
    oneClientSeconds: ONE_SECONDS,
    oneClientRounds: ONE_ROUNDS,
    manySeconds: MANY_SECONDS,
    warmupSeconds: WARMUP_SECONDS,
    plainSeconds: PLAIN_SECONDS,
  };
  const machine = {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    kernel: os.release(),
  };
  writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), machine, settings, runs }, null, 2)}\n`);
  log(`wrote ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
