// End-to-end harness: the real backend (built `backend/dist/main.js`, embedded PGlite, demo mode;
// or another backend a test file starts with the same settings, e.g. replicas behind a balancer)
// talking to the in-process OpenAI stand-in, a separate host-site server on another origin, and
// headless Chromium. Each test file starts its own stack; every test signs in as a fresh user.
import { execFileSync } from 'node:child_process';
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rename, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startBuiltServer, startOpenAIUpstream } from '@pulse/testkit';
import { launch } from '../test/helpers.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const AXE = join(ROOT, 'node_modules/axe-core/axe.min.js');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * An HS256 JWT for `sub`, valid for `expiresIn` seconds. Made by hand rather than with jose:
 * jose signs asynchronously, and the stack hands tokens to the host page synchronously.
 */
function hs256Token(secret, sub, expiresIn, claims = {}) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = Math.floor(Date.now() / 1000);
  const input = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ ...claims, sub, iat, exp: iat + expiresIn })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** The root `npm test` builds first; a bare `node --test widget/e2e/` builds what is missing. */
function ensureBuilt() {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  if (!existsSync(join(ROOT, 'widget/dist/pulse-chat-panel.js')))
    execFileSync(npm, ['run', 'build', '-w', 'widget'], { cwd: ROOT, stdio: 'inherit' });
  if (!existsSync(join(ROOT, 'backend/dist/main.js')))
    execFileSync(npm, ['run', 'build', '-w', 'backend'], { cwd: ROOT, stdio: 'inherit' });
}

// Creating a PGlite database (initdb + migrations) takes 5 to 20 s on a small machine; opening a
// copy of one already made takes a fraction. The template is made once (by a backend that starts
// and shuts down cleanly) and copied per file. It is named after the migrations' contents: a
// migration changed before it landed (the runner applies only names it has not seen) gets a new
// template instead of a stale copy.
const TEMPLATE_PREFIX = `pulse-widget-e2e-pglite-${process.getuid?.() ?? 0}-`;
const TEMPLATE = join(tmpdir(), `${TEMPLATE_PREFIX}${migrationsHash()}`);

function migrationsHash() {
  const dir = join(ROOT, 'supabase/migrations');
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).sort()) hash.update(name).update(readFileSync(join(dir, name)));
  return hash.digest('hex').slice(0, 16);
}

async function pgliteDir(env) {
  if (!existsSync(join(TEMPLATE, 'PG_VERSION'))) {
    // Templates of earlier migrations are of no further use.
    for (const old of readdirSync(tmpdir()).filter((n) => n.startsWith(TEMPLATE_PREFIX))) {
      await rm(join(tmpdir(), old), { recursive: true, force: true });
    }
    const fresh = await mkdtemp(join(tmpdir(), 'pulse-widget-e2e-template-'));
    const backend = await startBackend(env, fresh);
    await backend.stop({ keep: true });
    await rm(TEMPLATE, { recursive: true, force: true });
    await rename(fresh, TEMPLATE).catch(() => rm(fresh, { recursive: true, force: true }));
  }
  const dir = await mkdtemp(join(tmpdir(), 'pulse-widget-e2e-'));
  await cp(TEMPLATE, dir, { recursive: true });
  return dir;
}

/** The settings of every backend these tests run, wherever its data lives. */
const backendEnv = (upstreamUrl, secret) => ({
  NODE_ENV: 'development',
  DEMO_MODE: 'true',
  JWT_SECRET_KEY: secret,
  // Tokens that expire during a test must be refused at once, not 30 s later.
  JWT_CLOCK_TOLERANCE_SECONDS: '0',
  AI_PROVIDER: 'openai',
  OPENAI_BASE_URL: upstreamUrl,
  OPENAI_API_KEY: 'test',
  RATE_LIMIT_PER_MINUTE: '0',
  RATE_LIMIT_SENDS_PER_MINUTE: '0',
  LOG_LEVEL: 'warn',
  CHAT_TIMEOUT: '2',
});

/** The built server with `env`; the first start of a database (initdb, migrations) takes tens of seconds on a loaded machine. */
export const startServer = (env) => startBuiltServer({ cwd: ROOT, env }, { timeoutMs: 90_000 });

async function startBackend(env, dataDir) {
  const server = await startServer({ ...env, PGLITE_DATA_DIR: dataDir }).catch(async (e) => {
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  });
  const stop = async ({ keep = false } = {}) => {
    await server.stop();
    if (!keep) await rm(dataDir, { recursive: true, force: true });
  };
  return { origin: server.url, stop, output: () => server.output() };
}

const startPglite = async (env) => startBackend(env, await pgliteDir(env));

/** A host site on its own origin: pages are HTML strings or functions of the stack, served with `csp`. */
function startHost() {
  const pages = new Map();
  const files = new Map();
  const state = { token: () => null, tokenHits: 0, csp: null, jwtFailure: 0 };
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://host');
    // The README's setup file asks the host site for the signed-in user's JWT.
    // Signed out is a 401, as a real session endpoint answers; `jwtFailure` makes it fail outright.
    if (url.pathname === '/my-session/jwt') {
      state.tokenHits++;
      const token = state.token();
      if (state.jwtFailure) {
        res.writeHead(state.jwtFailure, { 'content-type': 'text/html' });
        return res.end('<!doctype html><title>Error</title><h1>Something went wrong</h1>');
      }
      res.writeHead(token ? 200 : 401, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
      return res.end(token ?? 'Not signed in');
    }
    const file = files.get(url.pathname);
    if (file) {
      res.writeHead(200, { 'content-type': file.type ?? 'text/javascript' });
      return res.end(file.body);
    }
    const page = pages.get(url.pathname);
    if (!page) return res.writeHead(404).end();
    const headers = { 'content-type': 'text/html; charset=utf-8' };
    const csp = page.csp === undefined ? state.csp : page.csp;
    if (csp) headers['content-security-policy'] = csp;
    res.writeHead(200, headers);
    res.end(page.html);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        origin: `http://127.0.0.1:${server.address().port}`,
        pages,
        files,
        state,
        close: () => new Promise((r) => server.close(r)),
      }),
    ),
  );
}

/**
 * A fenced code block of the root README, found by its `<!-- snippet: name ... -->` marker, so the
 * tests run exactly what the README shows.
 */
export function readmeSnippet(name) {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = new RegExp(`<!-- snippet: ${name}\\b[^>]*-->\\s*\`\`\`\\w*\\n([^]*?)\`\`\``).exec(readme);
  if (!m) throw new Error(`README.md has no snippet "${name}"`);
  return m[1];
}

/** The setup file exactly as the README shows it. */
const README_SETUP = readmeSnippet('get-token');

/**
 * Starts upstream, backend and host site. `stack.page(html)` registers a host page and returns
 * its URL; `stack.user()` makes a fresh user with a signed token; `stack.call()` calls the API.
 * `backend(env)` starts the API with the settings given (one server on PGlite unless told) and
 * resolves with `{ origin, stop }`; the stack keeps it as `stack.backend`. `env` adds settings
 * to (or overrides) every backend's.
 */
async function startStack({ backend: start = startPglite, env = {} } = {}) {
  ensureBuilt();
  const secret = randomBytes(30).toString('base64url').slice(0, 40);
  const upstream = await startOpenAIUpstream();
  let backend;
  let host;
  try {
    backend = await start({ ...backendEnv(upstream.url, secret), ...env });
    host = await startHost();
  } catch (e) {
    await upstream.close();
    throw e;
  }
  const api = backend.origin;
  // The policy a careful site would set: only the widget/API origin is added.
  const strictCsp = `default-src 'self'; script-src 'self' ${api}; style-src 'self'; img-src 'self' data:; connect-src 'self' ${api}; object-src 'none'; base-uri 'none'`;
  host.state.csp = strictCsp;
  host.files.set('/js/chat-token.js', { body: README_SETUP });
  host.files.set('/js/pulse-setup.js', { body: README_SETUP });
  let n = 0;

  const stack = {
    api,
    backend,
    upstream,
    host,
    strictCsp,
    /** A signed HS256 token for `sub` (a new user unless given), valid for `expiresIn` seconds, with `claims` added. */
    mint(sub = randomUUID(), { expiresIn = 30 * 60, claims } = {}) {
      return hs256Token(secret, sub, expiresIn, claims);
    },
    /** A fresh user whose token the host site's `/my-session/jwt` hands out. */
    user() {
      const id = randomUUID();
      const token = stack.mint(id);
      host.state.token = () => token;
      host.state.tokenHits = 0;
      return { id, token };
    },
    /** The session's stored assistant message (its first), if any. */
    async storedAnswer(token, sessionId) {
      const { body } = await stack.call(token, `/api/chat/sessions/${sessionId}?limit=50`);
      return body.messages.find((m) => m.role === 'assistant');
    },
    async call(token, path, init = {}) {
      const res = await fetch(api + path, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
      });
      return { status: res.status, body: res.status === 204 ? null : await res.json() };
    },
    /** Registers a host page; `body` goes after the README embed unless `embed: false`. */
    page(body = '', { embed = true, head = '', csp } = {}) {
      const path = `/p${++n}.html`;
      const snippet = embed
        ? `<script src="${api}/widget/pulse-chat.js" data-api-url="${api}" async></script>\n<script src="/js/chat-token.js" defer></script>`
        : '';
      host.pages.set(path, {
        csp,
        html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Host site</title>${head}</head><body><main><h1>Acme support</h1><p>Welcome to our site.</p></main>${body}${snippet}</body></html>`,
      });
      return host.origin + path;
    },
    async close() {
      await host?.close();
      await backend?.stop();
      await upstream.close();
    },
  };
  return stack;
}

/**
 * The hooks every e2e file has: one stack and one browser for the file, the stub upstream reset
 * before each test, both closed after. `use` receives them once they are up; `options` go to
 * startStack, but `options.launch`, which goes to the browser's launch (e.g. `{ args }`).
 */
export function useStack(use, { launch: launchOptions, ...options } = {}) {
  let stack;
  let browser;
  before(async () => {
    stack = await startStack(options);
    browser = await launch(launchOptions);
    use(stack, browser);
  });
  beforeEach(() => stack.upstream.reset());
  after(async () => {
    await browser?.close();
    await stack?.close();
  });
}

/** A page that records CSP violations, console errors, dialogs and uncaught errors. */
export async function openPage(browser, url, contextOptions = {}) {
  const context = await browser.newContext({
    reducedMotion: 'reduce',
    viewport: { width: 1200, height: 800 },
    ...contextOptions,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.errors = [];
  page.consoleErrors = [];
  page.dialogs = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && page.consoleErrors.push(m.text()));
  // Which server answered each request, where a balancer says so (its X-Served-By header).
  page.served = [];
  page.on('response', (r) => {
    const by = r.headers()['x-served-by'];
    if (by) page.served.push({ method: r.request().method(), path: new URL(r.url()).pathname, status: r.status(), by });
  });
  page.on('dialog', (d) => {
    page.dialogs.push(d.message());
    void d.dismiss().catch(() => {});
  });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  if (url) await page.goto(url);
  return page;
}

export const chat = (page) => page.locator('pulse-chat');
export const launcher = (page) => page.locator('pulse-chat [part=launcher]');
export const input = (page) => page.locator('pulse-chat textarea');
export const assistant = (page) => page.locator('pulse-chat [part~=assistant-message]');
export const userMessages = (page) => page.locator('pulse-chat [part~=user-message]');
export const button = (page, name) => chat(page).getByRole('button', { name, exact: true });

export async function openChat(page) {
  await launcher(page).click();
  await input(page).waitFor();
}

export async function send(page, text) {
  await input(page).fill(text);
  await input(page).press('Enter');
}

/** Waits until no answer is streaming (the Send button is back). */
export const idle = (page) => button(page, 'Send').waitFor();

/** The session the widget remembers for this user (it stores only the id, keyed by `sub`). */
export const rememberedSession = (page, sub) =>
  page.evaluate((k) => localStorage.getItem(k), `pulse-chat:session:${sub}`);

/** The text of the last answer shown. */
export const shownAnswer = async (page) => (await assistant(page).last().locator('.md').textContent()).trim();

/** Waits until the last answer shows `text` (for the page's default timeout unless given). */
export const showing = (page, text, timeout) =>
  assistant(page).last().locator('.md').getByText(text, { exact: false }).waitFor({ timeout });

/**
 * A fresh user's page (a host page with the embed unless `url` says) on which a long answer
 * (`count` words `word0 word1 ...`, `chunkDelayMs` apart) is streaming and has reached
 * `reached`; resolves with `{ user, page, words }`.
 */
export async function longAnswer(stack, browser, { count, chunkDelayMs, reached, question = 'A long story', url }) {
  const user = stack.user();
  const words = Array.from({ length: count }, (_, i) => `word${i}`);
  stack.upstream.enqueue({ kind: 'text', text: words.join(' '), chunkDelayMs });
  const page = await openPage(browser, url ?? stack.page());
  await openChat(page);
  await send(page, question);
  await showing(page, reached);
  return { user, page, words };
}
