// Self-check of the OpenAI stub: run with `node --test testkit/openai-upstream.test.mjs`.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startOpenAIUpstream, splitIntoChunks } from './openai-upstream.mjs';

const chat = (url, body, headers = {}) =>
  fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

function parseSse(text) {
  return text
    .split('\n\n')
    .map((event) => event.trim())
    .filter(Boolean)
    .map((event) => event.replace(/^data: /, ''));
}

describe('openai upstream stub', () => {
  let upstream;
  before(async () => {
    upstream = await startOpenAIUpstream();
  });
  after(async () => {
    await upstream.close();
  });
  beforeEach(() => upstream.reset());

  test('echoes the last user message as a chat.completion', async () => {
    const response = await chat(upstream.url, {
      model: 'gpt-test',
      messages: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'hello there' },
      ],
    });
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.match(body.id, /^chatcmpl-/);
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.model, 'gpt-test');
    assert.equal(typeof body.created, 'number');
    assert.equal(body.choices[0].message.content, 'Echo: hello there');
    assert.equal(body.choices[0].finish_reason, 'stop');
    assert.equal(body.usage.completion_tokens, 3);
    assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + 3);
    assert.equal(upstream.requests.length, 1);
    assert.equal(upstream.requests[0].body.model, 'gpt-test');
  });

  test('streams chunks, a finish chunk, a usage chunk and [DONE]', async () => {
    const response = await chat(upstream.url, {
      model: 'm',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'one two three' }],
    });
    assert.match(response.headers.get('content-type'), /text\/event-stream/);
    const events = parseSse(await response.text());
    assert.equal(events.at(-1), '[DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event));
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    assert.ok(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.model === 'm'));
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    assert.equal(text, 'Echo: one two three');
    assert.equal(chunks.at(-2).choices[0].finish_reason, 'stop');
    assert.deepEqual(chunks.at(-1).choices, []);
    assert.equal(chunks.at(-1).usage.completion_tokens, 4);
    assert.ok(chunks.length >= 6, 'several content chunks');
  });

  test('scripted text uses the given chunks and finish reason', async () => {
    upstream.enqueue({ kind: 'text', chunks: ['Hel', 'lo'], finishReason: 'length', chunkDelayMs: 5 });
    const response = await chat(upstream.url, { stream: true, messages: [{ role: 'user', content: 'x' }] });
    const chunks = parseSse(await response.text())
      .slice(0, -1)
      .map((e) => JSON.parse(e));
    assert.deepEqual(
      chunks.slice(1, 3).map((chunk) => chunk.choices[0].delta.content),
      ['Hel', 'lo'],
    );
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'length');
    assert.equal(chunks.at(-1).usage, undefined, 'no usage chunk unless include_usage');
  });

  test('scripted odd text: NUL and lone surrogates in deltas, model name and finish reason arrive as sent', async () => {
    upstream.enqueue({ kind: 'text', chunks: ['a\u0000b', '\ud800'], model: 'm\u0000\udfff', finishReason: 'x\u0000' });
    const response = await chat(upstream.url, { stream: true, messages: [{ role: 'user', content: 'x' }] });
    const chunks = parseSse(await response.text())
      .slice(0, -1)
      .map((e) => JSON.parse(e));
    assert.deepEqual(
      chunks.slice(1, 3).map((chunk) => chunk.choices[0].delta.content),
      ['a\u0000b', '\ud800'],
    );
    assert.ok(chunks.every((chunk) => chunk.model === 'm\u0000\udfff'));
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'x\u0000');
  });

  test('error behavior answers with the OpenAI error shape', async () => {
    upstream.enqueue({ kind: 'error', status: 429, message: 'slow down' });
    const response = await chat(upstream.url, { messages: [{ role: 'user', content: 'x' }] });
    assert.equal(response.status, 429);
    const body = await response.json();
    assert.equal(body.error.message, 'slow down');
    assert.equal(body.error.code, 'rate_limit_exceeded');
    assert.equal(body.error.param, null);
  });

  test('garbage and empty behaviors', async () => {
    upstream.enqueue({ kind: 'garbage' });
    const garbage = await chat(upstream.url, { messages: [{ role: 'user', content: 'x' }] });
    assert.equal(garbage.status, 200);
    await assert.rejects(garbage.json());

    upstream.enqueue({ kind: 'garbage' });
    const garbageStream = await chat(upstream.url, { stream: true, messages: [{ role: 'user', content: 'x' }] });
    const first = parseSse(await garbageStream.text())[0];
    assert.throws(() => JSON.parse(first));

    upstream.enqueue({ kind: 'empty' });
    const empty = await (await chat(upstream.url, { messages: [{ role: 'user', content: 'x' }] })).json();
    assert.deepEqual(empty.choices, []);
  });

  test('cut streams n chunks and then drops the connection', async () => {
    upstream.enqueue({ kind: 'cut', afterChunks: 2, text: 'a b c d' });
    const response = await chat(upstream.url, { stream: true, messages: [{ role: 'user', content: 'x' }] });
    assert.equal(response.status, 200);
    await assert.rejects(response.text());
  });

  test('a hung request is torn down by close()', async () => {
    const own = await startOpenAIUpstream();
    own.enqueue({ kind: 'hang' });
    const pending = chat(own.url, { messages: [{ role: 'user', content: 'x' }] });
    while (own.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await own.close();
    await assert.rejects(pending);
  });

  test('apiKey rejects requests without the bearer token', async () => {
    const own = await startOpenAIUpstream({ apiKey: 'sk-test' });
    try {
      const denied = await chat(own.url, { messages: [{ role: 'user', content: 'x' }] });
      assert.equal(denied.status, 401);
      const body = await denied.json();
      assert.equal(body.error.code, 'invalid_api_key');
      assert.equal(body.error.type, 'invalid_request_error');
      const allowed = await chat(
        own.url,
        { messages: [{ role: 'user', content: 'x' }] },
        { authorization: 'Bearer sk-test' },
      );
      assert.equal(allowed.status, 200);
    } finally {
      await own.close();
    }
  });

  test('a behavior for a model waits for a request for that model', async () => {
    upstream.enqueue({ kind: 'text', text: 'summary', forModel: 'cheap' });
    upstream.enqueue({ kind: 'text', text: 'answer' });
    const ask = async (model) =>
      (await (await chat(upstream.url, { model, messages: [{ role: 'user', content: 'x' }] })).json()).choices[0]
        .message.content;
    assert.equal(await ask('main'), 'answer');
    assert.equal(await ask('main'), 'Echo: x');
    assert.equal(await ask('cheap'), 'summary');
  });

  test('splitIntoChunks keeps every character', () => {
    for (const text of ['', 'a', ' lead and trail ', 'multi\n\nline  text']) {
      assert.equal(splitIntoChunks(text).join(''), text);
    }
  });
});

test('standalone mode prints its URL and takes control requests', async () => {
  const script = fileURLToPath(new URL('./openai-upstream.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, '--port', '0', '--api-key', 'k1'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [line] = await once(child.stdout, 'data');
    const { url } = JSON.parse(String(line).split('\n')[0]);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const origin = new URL(url).origin;
    await fetch(`${origin}/__control/enqueue`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'text', text: 'scripted' }),
    });
    const reply = await (
      await chat(url, { messages: [{ role: 'user', content: 'x' }] }, { authorization: 'Bearer k1' })
    ).json();
    assert.equal(reply.choices[0].message.content, 'scripted');
    const recorded = await (await fetch(`${origin}/__control/requests`)).json();
    assert.equal(recorded.length, 1);
    await fetch(`${origin}/__control/reset`, { method: 'POST' });
    assert.deepEqual(await (await fetch(`${origin}/__control/requests`)).json(), []);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});
