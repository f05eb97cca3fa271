// A closed-loop load of streamed requests: `clients` loops, each sending its next request
// after its previous stream has ended and a random think time (0..thinkMs, as a user reads
// before typing again; it also keeps the clients from marching in lockstep, which would
// turn N independent users into bursts of N simultaneous requests), until the duration is over. For every request
// it notes (in wall-clock milliseconds, comparable across processes on this machine) when
// the request started, when the first token arrived and when the stream ended.
//
// Plain node:http with a keep-alive agent rather than fetch: the load generator shares the
// 2 cores with the server it measures, and node:http costs it less per chunk than web streams.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const now = () => performance.timeOrigin + performance.now();
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * @param {object} o
 * @param {string} o.baseUrl       http://127.0.0.1:port
 * @param {number} o.clients
 * @param {number} o.durationMs    no request starts after this; in-flight ones finish (or time out)
 * @param {(client: number, n: number) => {path: string, headers: object, body: string, nonce: string}} o.request
 * @param {string} o.firstTokenMarker  text that marks the first token in the response body
 * @param {string} o.errorMarker   text that marks an error part in an otherwise 200 stream
 * @param {string} o.doneMarker    text that marks a complete stream
 * @param {number} [o.thinkMs]     upper bound of the random pause before each request
 */
export async function streamLoad({
  baseUrl,
  clients,
  durationMs,
  request,
  firstTokenMarker,
  errorMarker,
  doneMarker,
  thinkMs = 0,
}) {
  const target = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const samples = [];
  const errors = [];
  const deadline = now() + durationMs;

  const once = (client, n) =>
    new Promise((resolve) => {
      const { path, headers, body, nonce } = request(client, n);
      const sample = { client, nonce, startedAt: now(), firstTokenAt: undefined, endedAt: undefined };
      let tail = '';
      let failed = false;
      const fail = (why) => {
        if (failed) return;
        failed = true;
        errors.push(why);
        resolve();
      };
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: 'POST',
          path,
          agent,
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.setEncoding('utf8');
          if (res.statusCode !== 200) {
            let text = '';
            res.on('data', (c) => (text += c));
            res.on('end', () => fail(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
            return;
          }
          res.on('data', (chunk) => {
            // Markers may straddle two chunks: search the end of the previous one too.
            const seen = tail + chunk;
            if (sample.firstTokenAt === undefined && seen.includes(firstTokenMarker)) sample.firstTokenAt = now();
            if (errorMarker && seen.includes(errorMarker)) sample.error = seen.slice(0, 300);
            if (seen.includes(doneMarker)) sample.done = true;
            tail = seen.slice(-64);
          });
          res.on('end', () => {
            sample.endedAt = now();
            if (sample.error) return fail(`error part in stream: ${sample.error}`);
            if (!sample.done || sample.firstTokenAt === undefined)
              return fail('stream ended without a token or [DONE]');
            samples.push(sample);
            resolve();
          });
          res.on('error', (err) => fail(`response error: ${err.message}`));
        },
      );
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timed out')));
      req.on('error', (err) => fail(`request error: ${err.message}`));
      req.end(body);
    });

  const loop = async (client) => {
    for (let n = 0; now() < deadline; n += 1) {
      if (thinkMs > 0) await new Promise((r) => setTimeout(r, Math.random() * thinkMs));
      if (now() >= deadline) break;
      await once(client, n);
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, i) => loop(i)));
  agent.destroy();
  return { samples, errors, seconds: durationMs / 1000 };
}
