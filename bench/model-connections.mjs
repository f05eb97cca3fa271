// What a chat's pauses cost on the way to the model: one user sends streamed messages into one
// session, with a short and with a long pause between them (a user reading the answer), to a
// model served over TLS as hosted APIs are (no Keep-Alive hint, idle connections kept open).
// It counts the TLS connections Pulse opens and times each first token. A new connection costs
// a TCP and a TLS handshake here on loopback, and one to three network round trips more to a
// real provider.
//
//   npm run build && node bench/model-connections.mjs
//   BENCH_PULSE_DIR=/tmp/before   measure another built checkout
//   BENCH_SENDS=8 (per pause)     BENCH_PAUSES=250,5000 (milliseconds)
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startBuiltServer } from '@pulse/testkit';
import { PULSE_ROOT, pulseEnv } from './lib/processes.mjs';
import { createSessions, mintTokens } from './lib/scenarios.mjs';
import { markdownTable, ms, summarize } from './lib/stats.mjs';

const SENDS = Number(process.env.BENCH_SENDS ?? 8);
const PAUSES = (process.env.BENCH_PAUSES ?? '250,5000').split(',').map(Number);
const log = (...a) => console.error('[model-connections]', ...a);

/** A self-signed certificate for 127.0.0.1, which Pulse is told to trust (NODE_EXTRA_CA_CERTS). */
function certificate(dir) {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key), cert: readFileSync(cert), certFile: cert };
}

const chunk = (content, finish = null) =>
  `data: ${JSON.stringify({ object: 'chat.completion.chunk', model: 'tls-model', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

/** An OpenAI-style model over TLS: answers at once, and ends each body in a write after its [DONE]. */
async function startTlsModel({ key, cert }) {
  const seen = { connections: 0 };
  const server = https.createServer({ key, cert }, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk('Hello') + chunk(' there.') + chunk('', 'stop') + 'data: [DONE]\n\n');
      setImmediate(() => res.end());
    });
  });
  // As hosted APIs: no `Keep-Alive: timeout=` hint and no idle close within a chat's pauses.
  server.keepAliveTimeout = 0;
  server.on('secureConnection', () => (seen.connections += 1));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `https://127.0.0.1:${server.address().port}/v1`, seen, close: () => server.close() };
}

/** One streamed send; resolves with its time to the first text-delta once the stream is over. */
async function streamedSend(base, token, sessionId) {
  const started = performance.now();
  const res = await fetch(`${base}/api/chat/send`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ message: 'Hi!', session_id: sessionId }),
  });
  if (res.status !== 200) throw new Error(`send: HTTP ${res.status} ${await res.text()}`);
  let firstToken;
  let text = '';
  const decoder = new TextDecoder();
  for await (const part of res.body) {
    text += decoder.decode(part, { stream: true });
    if (firstToken === undefined && text.includes('"type":"text-delta"')) firstToken = performance.now() - started;
  }
  if (!text.includes('[DONE]') || firstToken === undefined)
    throw new Error(`send: incomplete stream ${text.slice(0, 200)}`);
  return firstToken;
}

const dir = mkdtempSync(join(os.tmpdir(), 'pulse-bench-tls-'));
const tls = certificate(dir);
const model = await startTlsModel(tls);
const secret = randomBytes(30).toString('base64url');
const server = await startBuiltServer(
  {
    main: join(PULSE_ROOT, 'backend/dist/main.js'),
    cwd: join(PULSE_ROOT, 'backend'),
    env: {
      ...pulseEnv({ PGLITE_DATA_DIR: join(dir, 'data') }, model.url, secret),
      NODE_EXTRA_CA_CERTS: tls.certFile,
    },
  },
  { path: '/health/ready', timeoutMs: 90_000 },
);
try {
  const [token] = await mintTokens(secret, 1);
  const [sessionId] = await createSessions(server.url, [token]);
  // One send to start with: its connection is the one every later send may keep.
  await streamedSend(server.url, token, sessionId);
  const rows = [];
  for (const pauseMs of PAUSES) {
    log(`${SENDS} sends, ${pauseMs} ms apart`);
    const before = model.seen.connections;
    const ttft = [];
    for (let i = 0; i < SENDS; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
      ttft.push(await streamedSend(server.url, token, sessionId));
    }
    const s = summarize(ttft);
    rows.push([`${pauseMs} ms`, SENDS, model.seen.connections - before, `${ms(s.p50)} / ${ms(s.max)}`]);
  }
  console.log(`## Connections to the model (Pulse in ${PULSE_ROOT})\n`);
  console.log(markdownTable(['pause between sends', 'sends', 'new TLS connections', 'first token p50 / max ms'], rows));
} finally {
  await server.stop();
  model.close();
  rmSync(dir, { recursive: true, force: true });
}
