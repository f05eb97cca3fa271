// @ts-self-types="./openai-upstream.d.mts"
// A local stand-in for the OpenAI API (chat completions; audio transcriptions and speech in
// openai-audio.mjs), for tests and benchmarks only.
// Plain ESM on node: built-ins so Node and Deno (node compat) can both import it.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { createAudioRoutes } from './openai-audio.mjs';
import { errorBody, JSON_HEADERS, readBody, sendJson, watchAbort } from './openai-wire.mjs';

export { defaultTranscript, silentMp3 } from './openai-audio.mjs';

/** Splits text on word boundaries so that the pieces concatenate back to exactly the input. */
export function splitIntoChunks(text) {
  if (text === '') return [];
  return text.match(/\s*\S+|\s+$/g) ?? [text];
}

/** Rough token count: one token per whitespace-separated word, at least one for non-empty text. */
export function countTokens(text) {
  if (typeof text !== 'string' || text.trim() === '') return 0;
  return text.trim().split(/\s+/).length;
}

function contentText(content) {
  if (typeof content === 'string') return content;
  // Array content parts (vision-style messages): only the text parts count.
  if (Array.isArray(content)) {
    return content
      .filter((part) => part?.type === 'text' && typeof part.text === 'string')
      .map((part) => part.text)
      .join(' ');
  }
  return '';
}

function promptTokens(body) {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  // A few tokens of framing per message, as the real API counts role markers too.
  return messages.reduce((sum, message) => sum + countTokens(contentText(message?.content)) + 3, 0);
}

function defaultText(body) {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  const lastUser = [...messages].reverse().find((message) => message?.role === 'user');
  return `Echo: ${contentText(lastUser?.content)}`;
}

function makeUsage(body, completionText, override) {
  const prompt = promptTokens(body);
  const completion = countTokens(completionText);
  return override ?? { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** Where the first image part of a Chat Completions body is, as OpenAI names it in `param`. */
function firstImagePart(body) {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  for (const [m, message] of messages.entries()) {
    if (!Array.isArray(message?.content)) continue;
    const p = message.content.findIndex((part) => part?.type === 'image_url');
    if (p >= 0) return `messages.[${m}].content.[${p}].type`;
  }
  return undefined;
}

/** What OpenAI answers a model without vision for a request with an image part. */
const IMAGE_REFUSAL = 'Invalid content type. image_url is only supported by certain models.';

/**
 * Starts the stub server.
 * @param {{ port?: number, host?: string, apiKey?: string, rejectImages?: boolean | { message?: string, code?: string | null } }} [options]
 */
export async function startOpenAIUpstream({ port = 0, host = '127.0.0.1', apiKey, rejectImages } = {}) {
  const queue = [];
  const requests = [];
  const sockets = new Set();
  const pendingTimers = new Set();
  let closed = false;
  let imageRefusal = rejectImages;

  // Timers are tracked so close() can cancel delays of in-flight responses.
  const wait = (ms) =>
    ms > 0
      ? new Promise((resolve) => {
          const timer = setTimeout(() => {
            pendingTimers.delete(timer);
            resolve();
          }, ms);
          pendingTimers.add(timer);
        })
      : Promise.resolve();
  const authorized = (req) => apiKey === undefined || req.headers.authorization === `Bearer ${apiKey}`;
  const audio = createAudioRoutes({ wait, isClosed: () => closed, authorized });

  function baseFields(body) {
    return {
      id: `chatcmpl-${randomBytes(12).toString('base64url')}`,
      created: Math.floor(Date.now() / 1000),
      model: typeof body?.model === 'string' ? body.model : 'gpt-4o-mini',
      system_fingerprint: 'fp_pulse_stub',
    };
  }

  /**
   * The model calls functions, as OpenAI streams it: an optional text first, then per call a chunk
   * with its index, id, type and name and then its arguments in pieces, then finish_reason
   * `tool_calls` (and the usage chunk when asked for). Without `stream`, one message with `tool_calls`.
   */
  async function serveToolCalls(res, body, behavior, base, stream) {
    const calls = behavior.calls.map((call, index) => ({
      index,
      id: call.id ?? `call_${randomBytes(9).toString('base64url')}`,
      name: call.name,
      arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {}),
    }));
    const text = behavior.text ?? '';
    const usage = makeUsage(body, text + calls.map((c) => c.arguments).join(' '), behavior.usage ?? undefined);
    await wait(behavior.firstTokenDelayMs ?? 0);
    if (closed) return;
    if (!stream) {
      sendJson(res, 200, {
        ...base,
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: text || null,
              refusal: null,
              tool_calls: calls.map((c) => ({
                id: c.id,
                type: 'function',
                function: { name: c.name, arguments: c.arguments },
              })),
            },
            logprobs: null,
            finish_reason: 'tool_calls',
          },
        ],
        usage,
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    const includeUsage = body?.stream_options?.include_usage === true;
    const chunk = (delta, finish) =>
      `data: ${JSON.stringify({
        ...base,
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        ...(includeUsage ? { usage: null } : {}),
      })}\n\n`;
    res.write(chunk({ role: 'assistant', content: text ? '' : null, refusal: null }, null));
    for (const piece of splitIntoChunks(text)) {
      await wait(behavior.chunkDelayMs ?? 0);
      if (closed || res.destroyed) return;
      res.write(chunk({ content: piece }, null));
    }
    for (const call of calls) {
      res.write(
        chunk(
          {
            tool_calls: [
              { index: call.index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
            ],
          },
          null,
        ),
      );
      // The arguments arrive in a few pieces, as the real API streams them.
      const size = Math.max(1, Math.ceil(call.arguments.length / 3));
      for (let at = 0; at < call.arguments.length; at += size) {
        await wait(behavior.chunkDelayMs ?? 0);
        if (closed || res.destroyed) return;
        res.write(
          chunk(
            { tool_calls: [{ index: call.index, function: { arguments: call.arguments.slice(at, at + size) } }] },
            null,
          ),
        );
      }
    }
    res.write(chunk({}, 'tool_calls'));
    if (includeUsage) {
      res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n`);
    }
    res.end('data: [DONE]\n\n');
  }

  async function serveCompletion(req, res, body, behavior) {
    const stream = body?.stream === true;
    const includeUsage = stream && body?.stream_options?.include_usage === true;
    // A scripted model name (odd ones included: a NUL, a lone surrogate) replaces the echoed one.
    const base = { ...baseFields(body), ...(typeof behavior.model === 'string' ? { model: behavior.model } : {}) };

    if (behavior.kind === 'error') {
      const status = behavior.status ?? 500;
      sendJson(res, status, errorBody(status, behavior.message, behavior));
      return;
    }
    if (behavior.kind === 'hang') {
      // Never answers; close() destroys the socket.
      return;
    }
    if (behavior.kind === 'garbage') {
      if (stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write('data: {"id": "chatcmpl-broken", "choices": [\n\n');
        res.end('data: [DONE]\n\n');
      } else {
        res.writeHead(200, JSON_HEADERS);
        res.end('<html><body>502 Bad Gateway</body></html>');
      }
      return;
    }
    if (behavior.kind === 'empty') {
      if (stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [] })}\n\n`);
        res.end('data: [DONE]\n\n');
      } else {
        sendJson(res, 200, { ...base, object: 'chat.completion', choices: [], usage: makeUsage(body, '') });
      }
      return;
    }

    if (behavior.kind === 'tool_calls') {
      await serveToolCalls(res, body, behavior, base, stream);
      return;
    }

    // 'text' and 'cut' both produce text; 'cut' stops early without [DONE].
    const text =
      behavior.kind === 'text' || behavior.kind === 'cut'
        ? (behavior.text ?? (behavior.chunks ? behavior.chunks.join('') : defaultText(body)))
        : defaultText(body);
    const chunks = behavior.chunks ?? splitIntoChunks(text);
    const finishReason = behavior.finishReason ?? 'stop';
    // `usage: null` plays a server that reports none (some OpenAI-compatible servers leave it out).
    const usage = behavior.usage === null ? undefined : makeUsage(body, text, behavior.usage);

    await wait(behavior.firstTokenDelayMs ?? 0);
    if (closed) return;

    if (!stream) {
      if (behavior.kind === 'cut') {
        // Promise more bytes than are sent, then drop the connection mid-body.
        const full = JSON.stringify({ ...base, object: 'chat.completion', choices: [] });
        res.writeHead(200, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(full) + 100 });
        res.write(full.slice(0, Math.floor(full.length / 2)));
        res.flushHeaders?.();
        setTimeout(() => res.socket?.destroy(), 10);
        return;
      }
      sendJson(res, 200, {
        ...base,
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: text, refusal: null },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        ...(usage ? { usage } : {}),
        service_tier: 'default',
      });
      return;
    }

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const usageField = includeUsage ? { usage: null } : {};
    const chunkEvent = (delta, finish) =>
      `data: ${JSON.stringify({
        ...base,
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        ...usageField,
      })}\n\n`;

    res.write(chunkEvent({ role: 'assistant', content: '', refusal: null }, null));
    const limit = behavior.kind === 'cut' ? Math.min(behavior.afterChunks ?? 1, chunks.length) : chunks.length;
    for (let i = 0; i < limit; i += 1) {
      if (i > 0) await wait(behavior.chunkDelayMs ?? 0);
      if (closed || res.destroyed) return;
      res.write(chunkEvent({ content: chunks[i] }, null));
    }
    if (behavior.kind === 'cut') {
      // Give the written chunks a moment to leave before the connection is torn down.
      await wait(20);
      res.socket?.destroy();
      res.destroy();
      return;
    }
    res.write(chunkEvent({}, finishReason));
    if (includeUsage && usage) {
      res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n`);
    }
    res.end('data: [DONE]\n\n');
  }

  async function handle(req, res) {
    const url = new URL(req.url ?? '/', 'http://stub.local');
    const path = url.pathname;

    if (path.startsWith('/__control/')) {
      if (req.method === 'POST' && path === '/__control/enqueue') {
        const raw = await readBody(req);
        try {
          const behavior = JSON.parse(raw || '{}');
          const list = Array.isArray(behavior) ? behavior : [behavior];
          queue.push(...list);
          sendJson(res, 200, { queued: queue.length });
        } catch {
          sendJson(res, 400, { error: 'body must be a JSON behavior object' });
        }
        return;
      }
      const audioScript = {
        'enqueue-transcription': audio.enqueueTranscription,
        'enqueue-speech': audio.enqueueSpeech,
      };
      const scriptFor = audioScript[path.slice('/__control/'.length)];
      if (req.method === 'POST' && scriptFor) {
        try {
          const behavior = JSON.parse((await readBody(req)) || '{}');
          for (const one of Array.isArray(behavior) ? behavior : [behavior]) scriptFor(one);
          sendJson(res, 200, { ok: true });
        } catch {
          sendJson(res, 400, { error: 'body must be a JSON behavior object' });
        }
        return;
      }
      const records = { requests, transcriptions: audio.transcriptions, speeches: audio.speeches };
      if (req.method === 'GET' && Object.hasOwn(records, path.slice('/__control/'.length))) {
        sendJson(res, 200, records[path.slice('/__control/'.length)]);
        return;
      }
      if (req.method === 'POST' && path === '/__control/reset') {
        await readBody(req);
        reset();
        sendJson(res, 200, { ok: true });
        return;
      }
      sendJson(res, 404, { error: 'unknown control endpoint' });
      return;
    }

    if (path === '/v1/models' && req.method === 'GET') {
      sendJson(res, 200, {
        object: 'list',
        data: [{ id: 'gpt-4o-mini', object: 'model', created: 0, owned_by: 'stub' }],
      });
      return;
    }

    const audioRoute = {
      '/v1/audio/transcriptions': audio.handleTranscription,
      '/v1/audio/speech': audio.handleSpeech,
    };
    if (Object.hasOwn(audioRoute, path)) {
      if (req.method !== 'POST') {
        sendJson(res, 405, errorBody(405, `Method ${req.method} not allowed.`, { type: 'invalid_request_error' }));
        return;
      }
      await audioRoute[path](req, res);
      return;
    }

    if (path !== '/v1/chat/completions') {
      sendJson(res, 404, errorBody(404, `Unknown request URL: ${req.method} ${path}.`, { code: 'unknown_url' }));
      return;
    }
    if (req.method !== 'POST') {
      sendJson(res, 405, errorBody(405, `Method ${req.method} not allowed.`, { type: 'invalid_request_error' }));
      return;
    }

    const raw = await readBody(req);
    let body;
    try {
      body = JSON.parse(raw);
    } catch {
      sendJson(res, 400, errorBody(400, 'We could not parse the JSON body of your request.'));
      return;
    }
    // The body exactly as parsed: content parts (text, image_url) stay as the client sent them.
    const record = { headers: { ...req.headers }, body, receivedAt: Date.now(), aborted: false };
    requests.push(record);
    // Lets tests prove a client gave up (and so stopped the upstream work) before the answer finished.
    watchAbort(res, record);

    if (!authorized(req)) {
      sendJson(res, 401, errorBody(401, 'Incorrect API key provided.'));
      return;
    }
    const imageAt = imageRefusal ? firstImagePart(body) : undefined;
    if (imageAt) {
      const custom = typeof imageRefusal === 'object' ? imageRefusal : {};
      sendJson(
        res,
        400,
        errorBody(400, custom.message ?? IMAGE_REFUSAL, { param: imageAt, code: custom.code ?? null }),
      );
      return;
    }
    // A behavior with `forModel` waits for a request for that model (a summary or title call
    // running beside the chat's own); the others serve requests in arrival order.
    const at = queue.findIndex((b) => b.forModel === undefined || b.forModel === body?.model);
    const behavior = at >= 0 ? queue.splice(at, 1)[0] : { kind: 'text' };
    await serveCompletion(req, res, body, behavior);
  }

  function reset() {
    queue.length = 0;
    requests.length = 0;
    audio.reset();
    imageRefusal = rejectImages;
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) sendJson(res, 500, errorBody(500, String(error?.message ?? error)));
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${boundPort}/v1`,
    port: boundPort,
    requests,
    transcriptions: audio.transcriptions,
    speeches: audio.speeches,
    enqueue(behavior) {
      queue.push(behavior);
    },
    enqueueTranscription: audio.enqueueTranscription,
    enqueueSpeech: audio.enqueueSpeech,
    lastRequest() {
      const last = requests.at(-1);
      if (!last) throw new Error('The OpenAI stub has received no chat completions request yet');
      return last.body;
    },
    rejectImages(refusal = true) {
      imageRefusal = refusal;
    },
    reset,
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      const done = new Promise((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections?.();
      await done;
    },
  };
}

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const [flag, inline] = arg.split('=', 2);
    const value = inline ?? argv[i + 1];
    if (flag === '--port') options.port = Number(value);
    else if (flag === '--host') options.host = value;
    else if (flag === '--api-key') options.apiKey = value;
    else if (flag === '--reject-images') {
      options.rejectImages = true;
      continue;
    } else continue;
    if (inline === undefined) i += 1;
  }
  return options;
}

const isMain =
  import.meta.main ?? (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href);

if (isMain) {
  const upstream = await startOpenAIUpstream(parseArgs(process.argv.slice(2)));
  process.stdout.write(`${JSON.stringify({ url: upstream.url, port: upstream.port })}\n`);
  const stop = () => {
    void upstream.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
