// The test suite's OpenAI stub, run as its own process with a stopwatch inside: for every
// chat completion it records when the request arrived and when the first content chunk
// was written, keyed by the `bench-<nonce>` word of the newest user message. That is the
// upstream's own time to first token, measured where it happens, for every single request,
// so the benchmark can subtract it request by request instead of guessing it.
//
// Usage: node bench/lib/timed-upstream.mjs  -> prints {"url":...,"port":...} on stdout.
// Extra endpoints (loopback only, benchmark only):
//   POST /__bench/pace {"firstTokenDelayMs":n,"chunkDelayMs":n,"words":n}  shape of every later
//        answer: `words` > 0 answers that many one-word chunks, 0 echoes the user's message
//   POST /__bench/timings                                         returns and forgets the records
//   POST /__bench/clock                                           this process's clock, to align the two
//   POST /__bench/idle                                            answers once no completion is open and
//        none has arrived for QUIET_MS: a load's cut-off sends are answered before the pace changes
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { startOpenAIUpstream } from '@pulse/testkit';

const now = () => performance.timeOrigin + performance.now();
const NONCE = /bench-([0-9a-z]+)/g;

let pace = { chunkDelayMs: 0, firstTokenDelayMs: 0, words: 0 };
let timings = [];
let upstream;
let open = 0;
let lastArrival = 0;
const QUIET_MS = 250;

async function idle() {
  while (open > 0 || now() - lastArrival < QUIET_MS) await new Promise((resolve) => setTimeout(resolve, 50));
}

const answer = (words) => Array.from({ length: words }, (_, i) => (i === 0 ? 'Sure' : ` w${i}`));

function lastNonce(raw) {
  let found;
  for (const m of raw.matchAll(NONCE)) found = m[1];
  return found;
}

function readAll(req) {
  return new Promise((resolve) => {
    const parts = [];
    req.on('data', (p) => parts.push(p));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
  });
}

function instrument(req, res) {
  const arrivedAt = now();
  open += 1;
  lastArrival = arrivedAt;
  res.once('close', () => {
    open -= 1;
  });
  // Every answer gets the current pace; the stub takes queued behaviours first-in first-out
  // and all of them are alike, so which request gets which one does not matter.
  const { words, ...delays } = pace;
  upstream.enqueue({ kind: 'text', ...delays, ...(words > 0 ? { chunks: answer(words) } : {}) });
  const record = { nonce: undefined, arrivedAt, firstContentAt: undefined };
  // Both this listener and the stub's own body reader are attached in this tick, so both see every byte.
  void readAll(req).then((raw) => {
    record.nonce = lastNonce(raw);
  });
  const write = res.write;
  let corked = false;
  res.write = function timedWrite(chunk, ...rest) {
    // What the stub writes in one turn (a whole instant answer) leaves in one write: each socket
    // write costs ~0.15 ms of CPU on this VM, and the stub's CPU is the machine's, not Pulse's.
    if (!corked) {
      corked = true;
      this.cork();
      setImmediate(() => this.writableCorked > 0 && this.uncork());
    }
    // The first chunk carries only the role (`"content":""`); the first token is the next one.
    if (record.firstContentAt === undefined && String(chunk).includes('"delta":{"content":')) {
      record.firstContentAt = now();
      if (record.nonce) timings.push(record);
      res.write = write;
    }
    return write.call(this, chunk, ...rest);
  };
}

const createServer = http.createServer;
http.createServer = (handler) =>
  createServer.call(http, async (req, res) => {
    if (req.url === '/__bench/pace' && req.method === 'POST') {
      pace = { ...pace, ...JSON.parse((await readAll(req)) || '{}') };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(pace));
      return;
    }
    if (req.url === '/__bench/clock' && req.method === 'POST') {
      await readAll(req);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ now: now() }));
      return;
    }
    if (req.url === '/__bench/idle' && req.method === 'POST') {
      await readAll(req);
      await idle();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    if (req.url === '/__bench/timings' && req.method === 'POST') {
      await readAll(req);
      const out = timings;
      timings = [];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
      return;
    }
    if (req.method === 'POST' && req.url === '/v1/chat/completions') {
      instrument(req, res);
      upstream.requests.length = 0; // the stub keeps every request for tests; a benchmark would only leak memory
    }
    handler(req, res);
  });

upstream = await startOpenAIUpstream({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ url: upstream.url, port: upstream.port })}\n`);
const stop = () => void upstream.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
