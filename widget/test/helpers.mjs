// Test harness: one node:http server that serves the built widget (dist/ at /widget/), test
// pages under a strict CSP, and a fake Pulse API speaking the backend's contract (JSON errors,
// list shapes, and the AI SDK UI message stream over SSE). Chromium is driven by playwright-core.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname } from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

const DIST = new URL('../dist/', import.meta.url);
const TYPES = { '.js': 'text/javascript', '.html': 'text/html', '.css': 'text/css', '.json': 'application/json' };
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'";
/** What a page showing attachments adds: thumbnails and audio are object URLs of files read with the token. */
export const ATTACHMENTS_CSP = CSP.replace("img-src 'self' data:", "img-src 'self' data: blob:; media-src blob:");

/** A JWT-shaped token (the widget reads only `sub`, to key the remembered session). */
export const jwt = (sub, tag = 'a') =>
  `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub, tag })).toString('base64url')}.sig`;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class FakeApi {
  constructor() {
    this.reset();
  }

  reset() {
    this.validTokens = new Set([jwt('user-1')]);
    this.sessions = [];
    /** Every message of a session (all branches), oldest first; `leaf` on the session marks the active branch. */
    this.messages = new Map();
    this.requests = [];
    /** Each send answers with these deltas, `delayMs` apart. */
    this.reply = { deltas: ['Hello', ', ', '**world**', '!'], delayMs: 30 };
    /** Number of upcoming sends that fail with 502 UPSTREAM_ERROR before streaming. */
    this.failSends = 0;
    /** Number of upcoming sends refused with 429 RATE_LIMITED and this Retry-After. */
    this.rateLimit = { count: 0, retryAfter: 42 };
    /** The next send is refused with 429 QUOTA_EXCEEDED and this `{ quota, limit, resets_at }`, as the backend words it. */
    this.quota = null;
    this.feedback = new Map();
    /** The next feedback request waits for this promise before it is stored (a slow request). */
    this.feedbackGate = null;
    this.nextId = 1;
    /** Uploads by id: the attachment as the API describes it, with its bytes. */
    this.attachments = new Map();
    /** A file name here is refused with that code (the status is the API's for it). */
    this.refuse = new Map();
    /** Each upload's response waits for this promise, so a test can see the progress bar first. */
    this.uploadGate = null;
    this.config = {
      max_bytes: 20 * 2 ** 20,
      per_message: 5,
      types: ['image/png', 'image/jpeg', 'application/pdf', 'text/markdown', 'audio/webm'],
      image_resize_over_bytes: 1536 * 1024,
      quota_bytes: 200 * 2 ** 20,
      used_bytes: 0,
      images: true,
      speech: false,
      transcription: true,
    };
    /** Titles of source-document parts each answer's stream sends before its text. */
    this.sources = [];
    /** A transcript for every audio upload. */
    this.transcript = 'What time do you open?';
    /** Bytes of POST /api/chat/speech (audio/wav); null answers 404 SPEECH_NOT_CONFIGURED. */
    this.speech = null;
    /** A code the next send is refused with (400), e.g. ATTACHMENT_NOT_SUPPORTED. */
    this.sendRefusal = null;
    /**
     * Rounds of calls of the page's tools, one per stream, before the answer's text:
     * `{ calls: [{ name, input, inputError? }], text? }` (text before the calls).
     */
    this.toolRounds = [];
  }

  /** POST/GET/DELETE /api/chat/attachments… and the config, as the backend answers them. */
  async attachment(req, res, url, raw, error, send) {
    const id = url.pathname.split('/')[4];
    if (id === 'config') return send(200, this.config);
    if (req.method === 'POST' && !id) {
      // One part named `file`: its headers, then its bytes up to the closing boundary.
      const boundary = /boundary=(.+)$/.exec(req.headers['content-type'] ?? '')?.[1];
      const start = raw.indexOf('\r\n\r\n') + 4;
      const head = raw.subarray(0, start).toString();
      const filename = /filename="([^"]*)"/.exec(head)?.[1];
      const type = /Content-Type: (\S+)/i.exec(head)?.[1] ?? 'application/octet-stream';
      const bytes = raw.subarray(start, raw.lastIndexOf(`\r\n--${boundary}`));
      await this.uploadGate;
      const code = this.refuse.get(filename);
      if (code) return error(code.endsWith('TOO_LARGE') || code.endsWith('QUOTA_EXCEEDED') ? 413 : 400, code);
      const kind = type.startsWith('image/') ? 'image' : type.startsWith('audio/') ? 'audio' : 'document';
      const a = {
        id: `00000000-0000-4000-8000-${String(this.nextId++).padStart(12, '0')}`,
        filename,
        media_type: type,
        kind,
        size_bytes: bytes.length,
        created_at: new Date().toISOString(),
        expires_at: null,
        ...(kind === 'audio' && { transcript: this.transcript }),
      };
      a.url = `/api/chat/attachments/${a.id}`;
      this.attachments.set(a.id, { ...a, bytes });
      return send(201, a);
    }
    const found = this.attachments.get(id);
    if (!found) return error(404, 'ATTACHMENT_NOT_FOUND');
    if (req.method === 'DELETE') {
      this.attachments.delete(id);
      return send(204);
    }
    res.writeHead(200, { 'content-type': found.media_type, 'x-content-type-options': 'nosniff' });
    res.end(found.bytes);
  }

  id(prefix) {
    return `${prefix}_${String(this.nextId++).padStart(4, '0')}`;
  }

  addSession(title, messageCount = 0, { daysAgo = 0 } = {}) {
    const now = new Date(Date.now() - this.sessions.length * 60000 - daysAgo * 864e5).toISOString();
    const session = {
      id: this.id('ses'),
      title,
      system_prompt: null,
      is_active: true,
      created_at: now,
      updated_at: now,
      last_message_at: now,
      metadata: {},
      leaf: null,
    };
    this.sessions.push(session);
    this.messages.set(session.id, []);
    for (let i = 0; i < messageCount; i++)
      this.append(session, i % 2 ? 'assistant' : 'user', `${title} message ${i + 1}`, session.leaf, now);
    return session;
  }

  append(session, role, content, parentId, createdAt = new Date().toISOString(), metadata = {}) {
    const list = this.messages.get(session.id);
    const m = {
      id: this.id('msg'),
      session_id: session.id,
      seq: list.length + 1,
      role,
      content,
      created_at: createdAt,
      metadata,
      parent_id: parentId,
    };
    list.push(m);
    session.leaf = m.id;
    return m;
  }

  /** The active branch, root to leaf, each message with its versions as the contract gives them. */
  branch(session) {
    const all = this.messages.get(session.id);
    const path = [];
    for (let m = all.find((x) => x.id === session.leaf); m; m = all.find((x) => x.id === m.parent_id)) path.unshift(m);
    return path.map((m) => {
      const siblings = all.filter((x) => x.parent_id === m.parent_id && x.role === m.role).map((x) => x.id);
      return {
        ...m,
        sibling_ids: siblings,
        sibling_index: siblings.indexOf(m.id) + 1,
        feedback: this.feedback.get(m.id) ?? null,
      };
    });
  }

  async handle(req, res, url) {
    const raw = await new Promise((resolve) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
    });
    const multipart = (req.headers['content-type'] ?? '').startsWith('multipart/');
    const body = raw.length && !multipart ? JSON.parse(raw.toString()) : undefined;
    const auth = req.headers.authorization ?? '';
    this.requests.push({
      method: req.method,
      path: url.pathname + url.search,
      headers: req.headers,
      body: multipart ? { bytes: raw.length } : body,
    });
    const send = (status, payload, headers = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    const error = (statusCode, code, headers) =>
      send(statusCode, { statusCode, code, message: code, requestId: 'req-test' }, headers);
    if (!this.validTokens.has(auth.replace(/^Bearer /, ''))) return error(401, 'TOKEN_EXPIRED');

    if (url.pathname.startsWith('/api/chat/attachments')) return this.attachment(req, res, url, raw, error, send);
    if (url.pathname === '/api/chat/speech') {
      if (!this.speech) return error(404, 'SPEECH_NOT_CONFIGURED');
      res.writeHead(200, { 'content-type': 'audio/wav' });
      return res.end(this.speech);
    }
    const parts = url.pathname.split('/').filter(Boolean); // api chat (sessions :id ...|messages :mid feedback)
    if (url.pathname === '/api/chat/send' && req.method === 'POST') {
      if (this.rateLimit.count > 0) {
        this.rateLimit.count--;
        return error(429, 'RATE_LIMITED', { 'retry-after': String(this.rateLimit.retryAfter) });
      }
      if (this.quota) {
        const { quota, limit, resets_at } = this.quota;
        this.quota = null;
        const retryAfter = String(Math.max(1, Math.ceil((Date.parse(resets_at) - Date.now()) / 1000)));
        return send(
          429,
          { statusCode: 429, code: 'QUOTA_EXCEEDED', message: 'quota', requestId: 'req-test', quota, limit, resets_at },
          { 'retry-after': retryAfter },
        );
      }
      if (this.sendRefusal) {
        const code = this.sendRefusal;
        this.sendRefusal = null;
        return error(400, code);
      }
      if (this.failSends > 0) {
        this.failSends--;
        return error(502, 'UPSTREAM_ERROR');
      }
      const session = body.session_id
        ? this.sessions.find((s) => s.id === body.session_id)
        : this.addSession(body.message.slice(0, 40));
      if (!session) return error(404, 'SESSION_NOT_FOUND');
      const files = (body.attachment_ids ?? []).map((id) => this.attachments.get(id));
      if (files.some((a) => !a)) return error(404, 'ATTACHMENT_NOT_FOUND');
      const text = body.message || files.find((a) => a.transcript)?.transcript || '';
      const user = this.append(session, 'user', text, session.leaf);
      if (files.length) user.attachments = files.map(({ bytes: _bytes, ...a }) => a);
      return this.stream(req, res, session, user);
    }
    if (parts[2] === 'messages' && parts[4] === 'feedback') {
      const m = [...this.messages.values()].flat().find((x) => x.id === parts[3]);
      if (!m) return error(404, 'MESSAGE_NOT_FOUND');
      const gate = this.feedbackGate;
      this.feedbackGate = null;
      await gate;
      if (req.method === 'DELETE') {
        this.feedback.delete(m.id);
        return send(204);
      }
      const saved = { rating: body.rating, comment: body.comment ?? null, updated_at: new Date().toISOString() };
      this.feedback.set(m.id, saved);
      return send(200, { message_id: m.id, ...saved });
    }
    if (parts[2] !== 'sessions') return error(404, 'NOT_FOUND');
    const id = parts[3];
    if (!id && req.method === 'GET') {
      const limit = Number(url.searchParams.get('limit') ?? 20);
      const after = url.searchParams.get('after');
      const q = url.searchParams.get('q')?.toLowerCase();
      const found = q
        ? this.sessions.flatMap((s) => {
            const hit = this.messages.get(s.id).find((m) => m.content.toLowerCase().includes(q));
            return s.title.toLowerCase().includes(q) || hit
              ? [{ ...s, match: hit ? { message_id: hit.id, snippet: hit.content } : null }]
              : [];
          })
        : this.sessions;
      const start = after ? found.findIndex((s) => s.id === after) + 1 : 0;
      const data = found.slice(start, start + limit);
      return send(200, {
        object: 'list',
        data,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
        has_more: start + limit < found.length,
      });
    }
    const session = this.sessions.find((s) => s.id === id);
    if (!session) return error(404, 'SESSION_NOT_FOUND');
    const messages = this.branch(session);
    const target = parts[5] && this.messages.get(id).find((m) => m.id === parts[5]);
    if (parts[4] === 'messages' && parts[6] === 'regenerate') {
      if (!target) return error(404, 'MESSAGE_NOT_FOUND');
      if (target.role !== 'assistant') return error(400, 'INVALID_MESSAGE_ROLE');
      session.leaf = target.parent_id;
      const question = this.messages.get(id).find((m) => m.id === target.parent_id);
      return this.stream(req, res, session, question);
    }
    if (parts[4] === 'messages' && parts[6] === 'edit') {
      if (!target) return error(404, 'MESSAGE_NOT_FOUND');
      if (target.role !== 'user') return error(400, 'INVALID_MESSAGE_ROLE');
      const user = this.append(session, 'user', body.message, target.parent_id);
      return this.stream(req, res, session, user);
    }
    if (parts[4] === 'tool-results' && req.method === 'POST')
      return this.toolResults(req, res, session, body, send, error);
    if (parts[4] === 'branch' && req.method === 'POST') {
      const all = this.messages.get(id);
      let m = all.find((x) => x.id === body.message_id);
      if (!m) return error(404, 'MESSAGE_NOT_FOUND');
      for (let child; (child = all.filter((x) => x.parent_id === m.id).at(-1));) m = child;
      session.leaf = m.id;
      return send(200, { ...session, messages: this.branch(session), has_more: false });
    }
    if (parts[4] === 'messages') {
      const limit = Number(url.searchParams.get('limit') ?? 50);
      const end = messages.findIndex((m) => m.id === url.searchParams.get('after'));
      const data = messages.slice(Math.max(0, end - limit), end).reverse();
      return send(200, {
        object: 'list',
        data,
        first_id: data[0]?.id,
        last_id: data.at(-1)?.id,
        has_more: end - limit > 0,
      });
    }
    if (req.method === 'GET') {
      const limit = Number(url.searchParams.get('limit') ?? 50);
      return send(200, { ...session, messages: messages.slice(-limit), has_more: messages.length > limit });
    }
    if (req.method === 'PUT') {
      Object.assign(session, body, { updated_at: new Date().toISOString() });
      return send(200, session);
    }
    if (req.method === 'DELETE') {
      this.sessions = this.sessions.filter((s) => s !== session);
      return send(204);
    }
    return error(405, 'METHOD_NOT_ALLOWED');
  }

  /** Answers `user` (a stored question) as the AI SDK UI message stream, appending the answer to the active branch. */
  async stream(req, res, session, user) {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-vercel-ai-ui-message-stream': 'v1',
    });
    let n = 0;
    let closed = false;
    req.on('close', () => (closed = true));
    res.on('close', () => (closed = true));
    const event = (part) =>
      !closed && res.write(`id: ${n++}\ndata: ${typeof part === 'string' ? part : JSON.stringify(part)}\n\n`);
    event({ type: 'start' });
    event({ type: 'data-session', data: { session_id: session.id, title: session.title, user_message_id: user.id } });
    res.write(': ping\n\n');
    for (const title of this.sources)
      event({ type: 'source-document', sourceId: 'x:p1', mediaType: 'application/pdf', title, filename: 'manual.pdf' });
    if (this.toolRounds.length) return this.toolRound(event, res, this.append(session, 'assistant', '', user.id));
    let text = '';
    for (const delta of this.reply.deltas) {
      await sleep(this.reply.delayMs);
      if (closed) break;
      if (!text) event({ type: 'text-start', id: 't1' });
      text += delta;
      event({ type: 'text-delta', id: 't1', delta });
    }
    // The test that asked ended meanwhile and the next one reset the fake API: nothing to store into.
    if (!this.messages.has(session.id)) return res.end();
    if (this.reply.error && !closed) {
      if (text) event({ type: 'text-end', id: 't1' });
      event({ type: 'data-error', data: { code: this.reply.error, message: 'upstream failed' } });
      event({ type: 'error', errorText: 'upstream failed' });
      event('[DONE]');
      return res.end();
    }
    const answer = this.append(session, 'assistant', text, user.id, undefined, {
      ...(closed && { interrupted: true }),
      ...(this.sources.length && { sources: this.sources.map((title) => ({ title })) }),
    });
    event({ type: 'text-end', id: 't1' });
    event({
      type: 'data-message',
      data: { assistant_message_id: answer.id, finish_reason: 'stop', usage: {}, interrupted: false },
    });
    event({ type: 'finish' });
    event('[DONE]');
    res.end();
  }

  /** Streams the next round of `toolRounds` into `answer` and ends the stream waiting for the page, as the backend does. */
  toolRound(event, res, answer) {
    const round = this.toolRounds.shift();
    if (round.text) {
      const id = `t${this.nextId++}`;
      event({ type: 'text-start', id });
      event({ type: 'text-delta', id, delta: round.text });
      event({ type: 'text-end', id });
      answer.content += (answer.content ? '\n\n' : '') + round.text;
    }
    const calls = (answer.metadata.tool_calls ??= []);
    for (const { name, input, inputError } of round.calls) {
      const id = `call_${this.nextId++}`;
      const args = JSON.stringify(input);
      event({ type: 'tool-input-start', toolCallId: id, toolName: name, dynamic: true });
      event({ type: 'tool-input-delta', toolCallId: id, inputTextDelta: args.slice(0, 5) });
      event({ type: 'tool-input-delta', toolCallId: id, inputTextDelta: args.slice(5) });
      if (inputError) {
        event({
          type: 'tool-input-error',
          toolCallId: id,
          toolName: name,
          input,
          errorText: inputError,
          dynamic: true,
        });
        calls.push({ id, name, input, state: 'output-error', error: inputError });
      } else {
        event({ type: 'tool-input-available', toolCallId: id, toolName: name, input, dynamic: true });
        calls.push({ id, name, input, state: 'input-available' });
      }
    }
    answer.metadata.awaiting_tool_results = true;
    event({
      type: 'data-message',
      data: {
        assistant_message_id: answer.id,
        finish_reason: 'tool_calls',
        awaiting_tool_results: true,
        tool_calls: calls.filter((c) => c.state === 'input-available'),
        interrupted: false,
      },
    });
    event({ type: 'finish', finishReason: 'tool-calls' });
    event('[DONE]');
    res.end();
  }

  /** POST …/tool-results: records the results; with none pending any more, the answer goes on in this response. */
  async toolResults(req, res, session, body, send, error) {
    const answer = this.messages.get(session.id).find((m) => m.id === body.assistant_message_id);
    if (!answer) return error(404, 'MESSAGE_NOT_FOUND');
    const calls = answer.metadata.tool_calls ?? [];
    const pending = (id) => calls.find((c) => c.id === id && c.state === 'input-available');
    if (!body.results.every((r) => pending(r.tool_call_id))) return error(409, 'TOOL_CALL_NOT_PENDING');
    for (const r of body.results)
      Object.assign(
        pending(r.tool_call_id),
        r.denied
          ? { state: 'output-denied' }
          : r.error !== undefined
            ? { state: 'output-error', error: r.error }
            : { state: 'output-available', output: r.output },
      );
    const waiting = calls.filter((c) => c.state === 'input-available');
    if (waiting.length) return send(202, { pending: waiting.map((c) => c.id) });
    answer.metadata.awaiting_tool_results = false;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'x-vercel-ai-ui-message-stream': 'v1' });
    let n = 0;
    const event = (part) =>
      res.write(`id: ${n++}\ndata: ${typeof part === 'string' ? part : JSON.stringify(part)}\n\n`);
    event({ type: 'start', messageId: answer.id });
    for (const r of body.results)
      event(
        r.denied
          ? { type: 'tool-output-denied', toolCallId: r.tool_call_id }
          : r.error !== undefined
            ? { type: 'tool-output-error', toolCallId: r.tool_call_id, errorText: r.error, dynamic: true }
            : { type: 'tool-output-available', toolCallId: r.tool_call_id, output: r.output, dynamic: true },
      );
    if (this.toolRounds.length) return this.toolRound(event, res, answer);
    const id = `t${this.nextId++}`;
    event({ type: 'text-start', id });
    for (const delta of this.reply.deltas) {
      await sleep(this.reply.delayMs);
      event({ type: 'text-delta', id, delta });
    }
    event({ type: 'text-end', id });
    answer.content += (answer.content ? '\n\n' : '') + this.reply.deltas.join('');
    event({
      type: 'data-message',
      data: { assistant_message_id: answer.id, finish_reason: 'stop', interrupted: false },
    });
    event({ type: 'finish', finishReason: 'stop' });
    event('[DONE]');
    res.end();
  }
}

/** The hooks a test file needs: the fake server and a browser for the file (`launchOptions` for `launch`), both closed after. */
export function useServer(use, launchOptions) {
  let server;
  let browser;
  before(async () => {
    server = await startServer();
    browser = await launch(launchOptions);
    use(server, browser);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
}

/** Starts the server; `pages` maps a path to HTML (a function receives the origin). */
export async function startServer() {
  const api = new FakeApi();
  const pages = new Map();
  const handle = async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    try {
      if (url.pathname.startsWith('/api/')) return await api.handle(req, res, url);
      if (url.pathname.startsWith('/widget/')) {
        const file = await readFile(new URL(url.pathname.slice('/widget/'.length), DIST));
        res.writeHead(200, { 'content-type': TYPES[extname(url.pathname)] ?? 'application/octet-stream' });
        return res.end(file);
      }
      if (url.pathname === '/demo/token') {
        const token = jwt('demo-visitor');
        api.validTokens.add(token);
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({ token, user_id: 'demo-visitor', expires_at: new Date(Date.now() + 3600e3).toISOString() }),
        );
      }
      if (url.pathname.startsWith('/demo/')) {
        const file = await readFile(new URL(`../demo/${url.pathname.slice(6) || 'index.html'}`, import.meta.url));
        res.writeHead(200, { 'content-type': TYPES[extname(url.pathname) || '.html'], 'content-security-policy': CSP });
        return res.end(file);
      }
      const page = pages.get(url.pathname);
      if (page) {
        // A page is HTML (or a function of the origin making it), or `{ html, csp }` for another policy.
        const { html: body = page, csp = CSP } = typeof page === 'object' ? page : {};
        res.writeHead(200, {
          'content-type': TYPES[extname(url.pathname)] ?? 'text/html',
          'content-security-policy': csp,
        });
        return res.end(typeof body === 'function' ? body(origin) : body);
      }
      res.writeHead(404).end();
    } catch (e) {
      res.writeHead(e.code === 'ENOENT' ? 404 : 500).end(String(e.message));
    }
  };
  const server = createServer((req, res) => void handle(req, res));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { api, pages, origin, close: () => new Promise((r) => server.close(r)) };
}

/** A host page shell; `body` holds the embed markup. */
export const html = (body, { lang = 'en', dir = 'ltr' } = {}) =>
  `<!doctype html><html lang="${lang}" dir="${dir}"><head><meta charset="utf-8"><title>Host page</title></head><body><main><h1>Host page</h1><p>Content.</p></main>${body}</body></html>`;

export async function launch({ args = [] } = {}) {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      ...args,
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/** A page that records CSP violations and uncaught errors, with `getToken` preset if wanted. */
export async function openPage(browser, url, { token, contextOptions = {}, withoutSanitizerApi = false } = {}) {
  const context = await browser.newContext({ reducedMotion: 'reduce', ...contextOptions });
  const page = await context.newPage();
  // As in a browser without the HTML Sanitizer API: the widget's own allowlist is then the only check.
  if (withoutSanitizerApi) await page.addInitScript(() => delete Element.prototype.setHTML);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.addInitScript((tok) => {
    window.__csp = [];
    window.__events = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
    for (const type of [
      'pulse-open',
      'pulse-close',
      'pulse-message-sent',
      'pulse-message-received',
      'pulse-error',
      'pulse-session-change',
    ]) {
      document.addEventListener(type, (e) =>
        window.__events.push({ type, detail: e.detail ?? null, composed: e.composed, bubbles: e.bubbles }),
      );
    }
    if (tok) {
      window.__tokenCalls = 0;
      window.__configure = () => window.PulseChat.init({ getToken: async () => (window.__tokenCalls++, tok) });
      window.addEventListener('pulse-ready', () => window.__configure());
    }
  }, token ?? null);
  // Without a URL the caller listens to the page first, then navigates.
  if (url) await page.goto(url);
  return page;
}

export const events = (page, type) => page.evaluate((t) => window.__events.filter((e) => !t || e.type === t), type);
