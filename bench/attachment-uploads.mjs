// Attachments (issue 21): upload throughput and Pulse's memory with many large uploads at once,
// and the time from a 300-page PDF's upload to the first token of an answer about it.
//
//   npm run build -w backend && node bench/attachment-uploads.mjs
//
// 1. 50 clients each upload one file at once (2 MB, then 20 MB; one fresh Pulse per size), a PNG
//    header followed by filler: an image is only stored, not read, so this measures the upload
//    path itself. Pulse's RSS is sampled every 50 ms from /proc and compared with its RSS idle.
//    Each client's body is generated as it is sent, so the client holds no 20 MB buffer either.
// 2. backend/test/fixtures/attachments/manual-300-pages.pdf uploaded (text extracted and chunked
//    during the upload), then a streamed send asking about it; the stub answers at once.
//
// Settings: BENCH_CLIENTS (50), BENCH_SIZES_MB (2,20), BENCH_PDF_REPEAT (5), BENCH_PULSE_DIR,
// BENCH_LABEL. Pulse runs on embedded PGlite with the folder store, both in a temp folder.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { newUserId, signToken, startBuiltServer, startOpenAIUpstream } from '@pulse/testkit';
import { machine } from './lib/cpu.mjs';
import { PULSE_FLAGS, PULSE_ROOT, ROOT, pulseEnv } from './lib/processes.mjs';
import { percentile } from './lib/stats.mjs';

const env = process.env;
const CLIENTS = Number(env.BENCH_CLIENTS ?? 50);
const SIZES_MB = (env.BENCH_SIZES_MB ?? '2,20').split(',').map(Number);
const PDF_REPEAT = Number(env.BENCH_PDF_REPEAT ?? 5);
const MB = 1_000_000;
const MiB = 1_048_576;
const SECRET = 'bench-attachments-secret-0123456789abcdef';
const PDF = join(ROOT, 'backend/test/fixtures/attachments/manual-300-pages.pdf');

const log = (...a) => console.error('[attachments]', ...a);
const rssOf = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
const mib = (bytes) => +(bytes / MiB).toFixed(1);
const round = (v, digits = 1) => +v.toFixed(digits);
const pause = (msDelay) => new Promise((resolve) => setTimeout(resolve, msDelay));

// A valid PNG signature and IHDR chunk (1x1, RGBA): enough for the type to be sniffed as image/png.
const PNG_HEAD = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0,
  0, 0, 0x1f, 0x15, 0xc4, 0x89,
]);
const FILLER = Buffer.alloc(64 * 1024, 0x5a);

/** A multipart body of one `file` part of `size` bytes, generated as it is read, and its length. */
function multipartPng(size, name) {
  const boundary = `----pulsebench${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: image/png\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* parts() {
    yield head;
    yield PNG_HEAD;
    for (let left = size - PNG_HEAD.length; left > 0; left -= FILLER.length) {
      yield left >= FILLER.length ? FILLER : FILLER.subarray(0, left);
    }
    yield tail;
  }
  return {
    body: Readable.from(parts(), { objectMode: false }),
    length: head.length + size + tail.length,
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

async function startPulse(upstreamUrl, dir) {
  const server = await startBuiltServer(
    {
      main: join(PULSE_ROOT, 'backend/dist/main.js'),
      cwd: join(PULSE_ROOT, 'backend'),
      nodeArgs: PULSE_FLAGS,
      env: {
        ...pulseEnv({ PGLITE_DATA_DIR: join(dir, 'db'), ATTACHMENTS_DIR: join(dir, 'files') }, upstreamUrl, SECRET),
        ATTACHMENT_MAX_BYTES: String(25 * MiB),
        ATTACHMENT_QUOTA_BYTES: '0',
      },
    },
    { path: '/health', timeoutMs: 90_000 },
  );
  return server;
}

/** POSTs one generated PNG of `size` bytes (node:http: a known Content-Length, the body streamed). */
async function uploadPng(base, token, size) {
  const { body, length, contentType } = multipartPng(size, 'filler.png');
  const t0 = performance.now();
  const { status, answer } = await new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/chat/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType, 'content-length': String(length) },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, answer: JSON.parse(text) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    pipeline(body, req).catch(reject);
  });
  const elapsed = performance.now() - t0;
  if (status !== 201 || answer.kind !== 'image') throw new Error(`upload: HTTP ${status} ${JSON.stringify(answer)}`);
  return elapsed;
}

/** Samples `pid`'s RSS every 50 ms until stopped; returns the peak seen. */
function sampleRss(pid) {
  let peak = rssOf(pid);
  let samples = 1;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssOf(pid));
    samples += 1;
  }, 50);
  return () => {
    clearInterval(timer);
    return { peak: Math.max(peak, rssOf(pid)), samples };
  };
}

async function concurrentUploads(upstreamUrl, sizeMb) {
  const dir = mkdtempSync(join(os.tmpdir(), 'pulse-bench-att-'));
  const server = await startPulse(upstreamUrl, dir);
  try {
    const tokens = await Promise.all(
      Array.from({ length: CLIENTS }, () => signToken(newUserId(), { secret: SECRET, expiresIn: '1h' })),
    );
    // One small upload per user first: provisions the users and loads the upload path's code,
    // so the idle figure is of a server that has uploaded before.
    for (const token of tokens) await uploadPng(server.url, token, 64 * 1024);
    await pause(2000);
    const idle = [];
    for (let i = 0; i < 10; i += 1) {
      idle.push(rssOf(server.pid));
      await pause(50);
    }
    const idleRss = percentile(idle, 50);
    const size = sizeMb * MB;
    const stopSampling = sampleRss(server.pid);
    const t0 = performance.now();
    const latencies = await Promise.all(tokens.map((token) => uploadPng(server.url, token, size)));
    const wallMs = performance.now() - t0;
    const { peak, samples } = stopSampling();
    const result = {
      sizeMb,
      clients: CLIENTS,
      totalMb: (size * CLIENTS) / MB,
      wallMs: round(wallMs),
      mbPerSecond: round((size * CLIENTS) / MB / (wallMs / 1000)),
      latencyMs: { p50: round(percentile(latencies, 50)), p95: round(percentile(latencies, 95)) },
      rss: { idleMiB: mib(idleRss), peakMiB: mib(peak), growthMiB: mib(peak - idleRss), samples },
    };
    log(JSON.stringify(result));
    return result;
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function pdfToFirstToken(upstream) {
  const dir = mkdtempSync(join(os.tmpdir(), 'pulse-bench-att-'));
  const server = await startPulse(upstream.url, dir);
  const pdf = readFileSync(PDF);
  try {
    const runs = [];
    // One run more than asked: the first pays for loading pdf.js and is reported apart.
    for (let i = 0; i <= PDF_REPEAT; i += 1) {
      const auth = { authorization: `Bearer ${await signToken(newUserId(), { secret: SECRET, expiresIn: '1h' })}` };
      const form = new FormData();
      form.append('file', new Blob([pdf], { type: 'application/pdf' }), 'manual.pdf');
      const t0 = performance.now();
      const up = await fetch(`${server.url}/api/chat/attachments`, { method: 'POST', headers: auth, body: form });
      const att = await up.json();
      const uploadMs = performance.now() - t0;
      if (up.status !== 201 || att.pages !== 300)
        throw new Error(`PDF upload: HTTP ${up.status} ${JSON.stringify(att)}`);
      const t1 = performance.now();
      const res = await fetch(`${server.url}/api/chat/send`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ message: 'Which part number is on page 137?', attachment_ids: [att.id] }),
      });
      if (res.status !== 200) throw new Error(`send: HTTP ${res.status} ${await res.text()}`);
      let firstTokenMs;
      let seen = '';
      const decoder = new TextDecoder();
      for await (const chunk of res.body) {
        seen += decoder.decode(chunk, { stream: true });
        if (firstTokenMs === undefined && seen.includes('"type":"text-delta"')) firstTokenMs = performance.now() - t1;
      }
      if (firstTokenMs === undefined) throw new Error(`no text-delta in the answer: ${seen.slice(0, 500)}`);
      const sent = upstream.lastRequest().messages.at(-1).content;
      const passage = Array.isArray(sent) ? sent.map((p) => p.text ?? '').join('\n') : String(sent);
      if (!passage.includes('PX-137')) throw new Error('the model was not given page 137');
      runs.push({ uploadMs: round(uploadMs), firstTokenMs: round(firstTokenMs), pdfBytes: pdf.length });
      log(`pdf run ${i}: upload ${uploadMs.toFixed(1)} ms, first token ${firstTokenMs.toFixed(1)} ms`);
    }
    const [first, ...measured] = runs;
    return {
      repetitions: measured.length,
      pdfBytes: pdf.length,
      uploadMsMedian: percentile(
        measured.map((r) => r.uploadMs),
        50,
      ),
      firstTokenMsMedian: percentile(
        measured.map((r) => r.firstTokenMs),
        50,
      ),
      firstRun: first,
      runs: measured,
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const guard = setTimeout(() => {
    log('gave up after 10 minutes');
    process.exit(1);
  }, 10 * 60_000);
  guard.unref();
  const upstream = await startOpenAIUpstream();
  try {
    const uploads = [];
    for (const sizeMb of SIZES_MB) uploads.push(await concurrentUploads(upstream.url, sizeMb));
    const pdf = await pdfToFirstToken(upstream);
    const result = { at: new Date().toISOString(), machine: machine(), uploads, pdf };
    const name = [`${new Date().toISOString().slice(0, 10)}-attachments`, env.BENCH_LABEL].filter(Boolean).join('-');
    const file = join(ROOT, 'bench/results', `${name}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${file}`);
    console.log('| file | clients | MB/s | p50 / p95 ms | RSS idle → peak MiB (growth) |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const u of uploads) {
      console.log(
        `| ${u.sizeMb} MB | ${u.clients} | ${u.mbPerSecond} | ${u.latencyMs.p50} / ${u.latencyMs.p95} | ${u.rss.idleMiB} → ${u.rss.peakMiB} (+${u.rss.growthMiB}) |`,
      );
    }
    console.log('');
    console.log(
      `300-page PDF: upload ${pdf.uploadMsMedian} ms, send to first text-delta ${pdf.firstTokenMsMedian} ms (median of ${pdf.repetitions})`,
    );
  } finally {
    await upstream.close();
  }
}

if (import.meta.main) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
