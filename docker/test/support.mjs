// Shared by the deployment tests (production install, image, compose stack): what a user's
// client does against a running Pulse, written on Node built-ins only, because these tests
// drive servers started from pruned installs and images, not from the workspace.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, Hopeless } from '@pulse/testkit';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A short random suffix, so parallel runs never share a container, image, volume or database. */
export const runId = () => `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

export const secret = () => randomBytes(32).toString('base64url');

// freePort: below the ephemeral range, so no outgoing connection takes it before the container listens.
export { freePort, newUserId } from '@pulse/testkit';

/** Runs a command; resolves with stdout, rejects with its stderr in the message. */
export function run(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, ...options }, (err, stdout, stderr) => {
      if (err) {
        err.message = `${cmd} ${args.join(' ')} failed (${err.code ?? err.signal}):\n${stderr}${stdout}`;
        reject(err);
      } else resolve(stdout.trim());
    });
  });
}

/**
 * docker-compose for one test's stack, two ways: `compose` with the test's own copy of the file
 * (published ports removed) plus its host-network override, and `composeAsIs` with the shipped
 * file alone (for `config` checks). The settings file is both the env_file and the source of
 * compose's ${…} defaults, as docker/.env is for a user; the project directory stays docker/,
 * so relative paths (the build context, ./haproxy.cfg) resolve as for the shipped file.
 */
export function composeCommands({ project, envFile, file, hostFile, hostOverride }) {
  const withFiles =
    (...files) =>
    (...args) =>
      run(
        'docker-compose',
        ['-p', project, '--project-directory', join(ROOT, 'docker'), '--env-file', envFile, ...files, ...args],
        { cwd: ROOT, env: { ...process.env, PULSE_ENV_FILE: envFile } },
      );
  return { compose: withFiles('-f', hostFile, '-f', hostOverride), composeAsIs: withFiles('-f', file) };
}

/**
 * env.example with the given settings changed, as a user edits their copy: every other line (and
 * its trailing comment) is kept, so compose must read env.example's own format. `extra` lines
 * (compose-level settings of the test) follow.
 */
export function settingsFile(overrides, extra) {
  const lines = readFileSync(join(ROOT, 'env.example'), 'utf8').split('\n');
  const seen = new Set();
  const edited = lines.map((line) => {
    const key = /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1];
    if (!key || !(key in overrides)) return line;
    seen.add(key);
    return `${key}=${overrides[key]}`;
  });
  const unknown = Object.keys(overrides).filter((k) => !seen.has(k));
  assert.deepEqual(unknown, [], 'every Pulse setting the test changes is a line of env.example');
  return [
    ...edited,
    '# Compose-level settings (the test stack)',
    ...Object.entries(extra).map(([k, v]) => `${k}=${v}`),
    '',
  ].join('\n');
}

const PORTS_BLOCK = /^ {4}ports:\n(?: {6}- .*\n)+/m;

/**
 * A compose file without `service`'s `ports:` block, and nothing else changed: Compose v1 refuses
 * published ports on the host network, and an override file cannot remove a list.
 */
export function withoutPublishedPorts(file, service) {
  const original = readFileSync(file, 'utf8');
  const header = `\n  ${service}:\n`;
  const from = original.indexOf(header);
  assert.ok(from >= 0, `${file} has a ${service} service`);
  // The service's block ends where the next line indented by two spaces or less begins.
  const rest = original.slice(from + header.length);
  const end = rest.search(/\n {0,2}\S/);
  const block = original.slice(from, from + header.length + (end < 0 ? rest.length : end));
  assert.match(block, PORTS_BLOCK, `the ${service} service publishes a port`);
  const stripped = original.replace(block, block.replace(PORTS_BLOCK, ''));
  assert.equal(stripped.match(/^ +ports:/gm), null, 'no other service publishes a port');
  return stripped;
}

/** An HS256 JWT as a host site would sign it for its visitor. */
export function signHs256(sub, key, claims = {}) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub, role: 'authenticated', iat: now, exp: now + 600, ...claims })}`;
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

const authed = (token, extra = {}) => ({ authorization: `Bearer ${token}`, ...extra });

export async function waitReady(base, { timeoutMs = 60_000, alive = () => true } = {}) {
  return eventually(
    `${base}/health/ready answering 200`,
    async () => {
      if (!alive()) throw new Hopeless(`${base}: the server has exited`);
      const res = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(2000) });
      return res.status === 200 ? res.json() : false;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

/** POST /api/chat/send answered as JSON. */
export async function sendJson(base, token, body) {
  const res = await fetch(`${base}/api/chat/send`, {
    method: 'POST',
    headers: authed(token, { 'content-type': 'application/json' }),
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `JSON send: ${res.status} ${text}`);
  return JSON.parse(text);
}

/** POST /api/chat/send streamed (Accept: text/event-stream): the JSON parts of the SSE body. */
export async function sendStreamed(base, token, body) {
  const res = await fetch(`${base}/api/chat/send`, {
    method: 'POST',
    headers: authed(token, { 'content-type': 'application/json', accept: 'text/event-stream' }),
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, `streamed send: ${res.status}`);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const text = await res.text();
  const data = text
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trim());
  assert.equal(data.at(-1), '[DONE]', `the stream ends with [DONE]:\n${text}`);
  return data.slice(0, -1).map((d) => JSON.parse(d));
}

export async function getSession(base, token, sessionId) {
  const res = await fetch(`${base}/api/chat/sessions/${sessionId}`, { headers: authed(token) });
  const text = await res.text();
  assert.equal(res.status, 200, `GET session: ${res.status} ${text}`);
  return JSON.parse(text);
}

/** What the fake upstream echoes for a question (testkit/openai-upstream.mjs). */
export const echo = (question) => `Echo: ${question}`;

/**
 * A user's first visit: the widget script, a JSON send that opens a session and a streamed send
 * into it. Returns the session and the conversation expected in it, oldest first.
 */
export async function converse(base, token, tag) {
  const widget = await fetch(`${base}/widget/pulse-chat.js`);
  assert.equal(widget.status, 200, 'the widget script is served');
  assert.match(widget.headers.get('content-type') ?? '', /javascript/);
  assert.ok((await widget.text()).length > 1000, 'the widget script has a body');

  const first = `hello from ${tag}`;
  const json = await sendJson(base, token, { message: first });
  assert.equal(json.response, echo(first));
  assert.ok(json.session_id, 'a session was created');

  const second = `and a streamed question from ${tag}`;
  const parts = await sendStreamed(base, token, { message: second, session_id: json.session_id });
  const types = parts.map((p) => p.type);
  for (const t of ['start', 'data-session', 'text-start', 'text-delta', 'text-end', 'data-message', 'finish']) {
    assert.ok(types.includes(t), `the stream has a ${t} part: ${types.join(', ')}`);
  }
  const streamed = parts
    .filter((p) => p.type === 'text-delta')
    .map((p) => p.delta)
    .join('');
  assert.equal(streamed, echo(second));

  return {
    sessionId: json.session_id,
    conversation: [
      ['user', first],
      ['assistant', echo(first)],
      ['user', second],
      ['assistant', echo(second)],
    ],
  };
}

/** The session holds exactly the conversation `converse` had. */
export async function assertKept(base, token, { sessionId, conversation }) {
  const session = await getSession(base, token, sessionId);
  assert.deepEqual(
    session.messages.map((m) => [m.role, m.content]),
    conversation,
  );
}

/**
 * An SSE answer read as it arrives (a streamed send or a resume), which a test can wait on and
 * drop mid-way as a reloaded page would. `served` is the balancer's X-Served-By.
 */
export async function liveStream(url, init) {
  const controller = new AbortController();
  const res = await fetch(url, { ...init, signal: controller.signal });
  const events = [];
  const waiters = new Set();
  let ended = false;
  const wake = () => {
    for (const w of Array.from(waiters)) w();
  };
  const read = async () => {
    if (res.status !== 200 || !res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut;
        while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, '');
          const field = (name) =>
            block
              .split(/\r?\n/)
              .filter((l) => l.startsWith(`${name}:`))
              .map((l) => l.slice(name.length + 1).trim());
          const [data] = field('data');
          // Heartbeat comments and the closing [DONE] carry no part.
          if (data === undefined || data === '[DONE]') continue;
          events.push({ id: Number(field('id')[0]), part: JSON.parse(data) });
        }
        wake();
      }
    } catch (err) {
      if (err.name !== 'AbortError') throw err;
    }
  };
  const done = read().finally(() => {
    ended = true;
    wake();
  });
  const parts = () => events.map((e) => e.part);
  const s = {
    status: res.status,
    served: res.headers.get('x-served-by'),
    events,
    done,
    parts,
    deltas: () => parts().filter((p) => p.type === 'text-delta').length,
    text: () =>
      parts()
        .filter((p) => p.type === 'text-delta')
        .map((p) => p.delta)
        .join(''),
    lastId: () => events.at(-1)?.id ?? 0,
    sessionId: () => parts().find((p) => p.type === 'data-session')?.data?.session_id,
    until: (check, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(test);
          reject(new Error(`stream condition not met in ${timeoutMs} ms: ${JSON.stringify(parts())}`));
        }, timeoutMs);
        const test = () => {
          if (check(s) || ended) {
            clearTimeout(timer);
            waiters.delete(test);
            if (check(s)) resolve();
            else reject(new Error(`the stream ended before the condition held: ${JSON.stringify(parts())}`));
          }
        };
        waiters.add(test);
        test();
      }),
    drop: () => controller.abort(),
  };
  return s;
}
