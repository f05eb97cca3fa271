// Tests of the chat Edge Function against the local OpenAI stub over real HTTP.
// Run from the repo root: scripts/test-edge.sh
import { assert, assertEquals, assertMatch } from './assert.ts';
import { handleChat } from '../chat/index.ts';
import { chatRequest, hello, sseData, withUpstream } from './support.ts';

withUpstream(
  'answers JSON with the upstream text, model, usage and finish reason',
  async (upstream) => {
    const response = await handleChat(chatRequest({ ...hello, temperature: 0.3, max_tokens: 50 }));
    assertEquals(response.status, 200);
    assertEquals(response.headers.get('access-control-allow-origin'), '*');
    const body = await response.json();
    assertEquals(body.response, 'Echo: hello there');
    assertEquals(body.model, 'gpt-test');
    assertEquals(body.finish_reason, 'stop');
    assertEquals(body.usage.completion_tokens, 3);
    assertEquals(body.usage.total_tokens, body.usage.prompt_tokens + 3);

    assertEquals(upstream.requests.length, 1);
    const sent = upstream.requests[0];
    assertEquals(sent.headers.authorization, 'Bearer sk-test');
    assertEquals(sent.body.model, 'gpt-test');
    assertEquals(sent.body.temperature, 0.3);
    assertEquals(sent.body.max_tokens, 50);
    assertEquals(sent.body.stream, undefined);
  },
  { apiKey: 'sk-test' },
);

withUpstream('streams the upstream chunks through and ends with [DONE]', async (upstream) => {
  upstream.enqueue({ kind: 'text', text: 'Streaming works, one word at a time.', chunkDelayMs: 2 });
  const response = await handleChat(chatRequest({ ...hello, stream: true }));
  assertEquals(response.status, 200);
  assertMatch(response.headers.get('content-type') ?? '', /^text\/event-stream/);

  const events = sseData(await response.text());
  assertEquals(events.at(-1), '[DONE]');
  const chunks = events.slice(0, -1).map((event) => JSON.parse(event));
  assert(chunks.every((chunk) => chunk.object === 'chat.completion.chunk'));
  assertEquals(chunks[0].choices[0].delta.role, 'assistant');
  const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('');
  assertEquals(text, 'Streaming works, one word at a time.');
  assert(chunks.filter((chunk) => chunk.choices[0]?.delta?.content).length > 3, 'arrives in several chunks');
  assertEquals(chunks.at(-1).choices, []);
  assertEquals(chunks.at(-1).usage.completion_tokens, 7);

  const sent = upstream.requests[0].body;
  assertEquals(sent.stream, true);
  assertEquals(sent.stream_options, { include_usage: true });
});

withUpstream('streams when the client only asks through the Accept header', async () => {
  const response = await handleChat(chatRequest(hello, { headers: { Accept: 'text/event-stream' } }));
  assertMatch(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events = sseData(await response.text());
  assertEquals(events.at(-1), '[DONE]');
});

withUpstream('puts system_prompt first, unless the messages already open with a system message', async (upstream) => {
  await (await handleChat(chatRequest({ ...hello, system_prompt: 'Be brief.' }))).body?.cancel();
  assertEquals(upstream.requests[0].body.messages, [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'hello there' },
  ]);

  const ownSystem = [
    { role: 'system', content: 'Existing.' },
    { role: 'user', content: 'hi' },
  ];
  await (await handleChat(chatRequest({ messages: ownSystem, system_prompt: 'Ignored.' }))).body?.cancel();
  assertEquals(upstream.requests[1].body.messages, ownSystem);
});

Deno.test('answers the CORS preflight', async () => {
  const response = await handleChat(new Request('http://localhost/chat', { method: 'OPTIONS' }));
  assertEquals(response.status, 200);
  await response.body?.cancel();
  assertEquals(response.headers.get('access-control-allow-origin'), '*');
  assertEquals(
    response.headers.get('access-control-allow-headers'),
    'authorization, x-client-info, apikey, content-type',
  );
});

Deno.test('rejects other methods with 405', async () => {
  const response = await handleChat(new Request('http://localhost/chat', { method: 'GET' }));
  assertEquals(response.status, 405);
  assertEquals(response.headers.get('allow'), 'POST, OPTIONS');
  assertEquals((await response.json()).code, 'METHOD_NOT_ALLOWED');
});

withUpstream('rejects bad bodies with 400 INVALID_REQUEST and never calls upstream', async (upstream) => {
  const bad: [string, unknown][] = [
    ['not JSON', '{"messages": ['],
    ['not an object', [1, 2]],
    ['no messages', {}],
    ['empty messages', { messages: [] }],
    ['unknown role', { messages: [{ role: 'function', content: 'x' }] }],
    ['non-string content', { messages: [{ role: 'user', content: 42 }] }],
    ['temperature too high', { ...hello, temperature: 2.5 }],
    ['temperature negative', { ...hello, temperature: -0.1 }],
    ['temperature as string', { ...hello, temperature: '1' }],
    ['max_tokens zero', { ...hello, max_tokens: 0 }],
    ['max_tokens too high', { ...hello, max_tokens: 32_001 }],
    ['max_tokens fractional', { ...hello, max_tokens: 1.5 }],
    ['system_prompt not a string', { ...hello, system_prompt: 7 }],
  ];
  for (const [label, body] of bad) {
    const response = await handleChat(chatRequest(body));
    assertEquals(response.status, 400, label);
    const answer = await response.json();
    assertEquals(answer.code, 'INVALID_REQUEST', label);
    assertEquals(typeof answer.error, 'string', label);
  }
  assertEquals(upstream.requests.length, 0);

  const edges = await handleChat(chatRequest({ ...hello, temperature: 2, max_tokens: 32_000 }));
  assertEquals(edges.status, 200, 'the limits themselves are allowed');
  await edges.body?.cancel();
});

withUpstream('maps an upstream 500 to 502 UPSTREAM_ERROR with the upstream status', async (upstream) => {
  upstream.enqueue({ kind: 'error', status: 500, message: 'The server had an error' });
  const response = await handleChat(chatRequest(hello));
  assertEquals(response.status, 502);
  const body = await response.json();
  assertEquals(body.code, 'UPSTREAM_ERROR');
  assertEquals(body.upstream_status, 500);
  assertMatch(body.error, /The server had an error/);

  upstream.enqueue({ kind: 'error', status: 429, message: 'Rate limit reached' });
  const streamed = await handleChat(chatRequest({ ...hello, stream: true }));
  assertEquals(streamed.status, 502, 'a stream that fails before its first byte is a plain JSON error');
  assertEquals((await streamed.json()).upstream_status, 429);
});

withUpstream(
  'maps a wrong upstream key to 502 UPSTREAM_ERROR 401',
  async () => {
    Deno.env.set('OPENAI_API_KEY', 'sk-wrong');
    const response = await handleChat(chatRequest(hello));
    assertEquals(response.status, 502);
    const body = await response.json();
    assertEquals(body.upstream_status, 401);
    assertEquals(body.code, 'UPSTREAM_ERROR');
  },
  { apiKey: 'sk-right' },
);

withUpstream('maps unparseable or empty upstream answers to 502 UPSTREAM_BAD_RESPONSE', async (upstream) => {
  upstream.enqueue({ kind: 'garbage' });
  const garbage = await handleChat(chatRequest(hello));
  assertEquals(garbage.status, 502);
  assertEquals((await garbage.json()).code, 'UPSTREAM_BAD_RESPONSE');

  upstream.enqueue({ kind: 'garbage' });
  const garbageStream = await handleChat(chatRequest({ ...hello, stream: true }));
  assertEquals(garbageStream.status, 502);
  assertEquals((await garbageStream.json()).code, 'UPSTREAM_BAD_RESPONSE');

  upstream.enqueue({ kind: 'empty' });
  const empty = await handleChat(chatRequest(hello));
  assertEquals(empty.status, 502);
  assertEquals((await empty.json()).code, 'UPSTREAM_BAD_RESPONSE');
});

withUpstream('a stream cut short ends with an in-band error and no [DONE]', async (upstream) => {
  upstream.enqueue({ kind: 'cut', afterChunks: 2, text: 'one two three four' });
  const response = await handleChat(chatRequest({ ...hello, stream: true }));
  assertEquals(response.status, 200);
  const events = sseData(await response.text());
  assert(!events.includes('[DONE]'));
  const last = JSON.parse(events.at(-1)!);
  assertEquals(last.error.code, 'UPSTREAM_BAD_RESPONSE');
  const text = events
    .slice(0, -1)
    .map((event) => JSON.parse(event).choices[0]?.delta?.content ?? '')
    .join('');
  assertEquals(text, 'one two');
});

withUpstream(
  'a hung upstream becomes 504 UPSTREAM_TIMEOUT',
  async (upstream) => {
    upstream.enqueue({ kind: 'hang' });
    const started = performance.now();
    const response = await handleChat(chatRequest(hello));
    assertEquals(response.status, 504);
    assertEquals((await response.json()).code, 'UPSTREAM_TIMEOUT');
    assert(performance.now() - started < 2_000, 'timed out promptly');

    upstream.enqueue({ kind: 'hang' });
    const streamed = await handleChat(chatRequest({ ...hello, stream: true }));
    assertEquals(streamed.status, 504);
    await streamed.body?.cancel();
  },
  { env: { UPSTREAM_TIMEOUT_MS: '150' } },
);

withUpstream(
  'a slow first token within the timeout is fine',
  async (upstream) => {
    upstream.enqueue({ kind: 'text', text: 'late but fine', firstTokenDelayMs: 100 });
    const response = await handleChat(chatRequest(hello));
    assertEquals(response.status, 200);
    assertEquals((await response.json()).response, 'late but fine');
  },
  { env: { UPSTREAM_TIMEOUT_MS: '1000' } },
);

Deno.test('an unreachable upstream becomes 502', async () => {
  // Bind and release a port so nothing listens on it.
  const listener = Deno.listen({ hostname: '127.0.0.1', port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  Deno.env.set('OPENAI_API_KEY', 'sk-test');
  Deno.env.set('OPENAI_BASE_URL', `http://127.0.0.1:${port}/v1`);
  try {
    const response = await handleChat(chatRequest(hello));
    assertEquals(response.status, 502);
    assertEquals((await response.json()).code, 'UPSTREAM_UNREACHABLE');
  } finally {
    Deno.env.delete('OPENAI_API_KEY');
    Deno.env.delete('OPENAI_BASE_URL');
  }
});

Deno.test('without OPENAI_API_KEY and OPENAI_BASE_URL it answers 500 NOT_CONFIGURED', async () => {
  Deno.env.delete('OPENAI_API_KEY');
  Deno.env.delete('OPENAI_BASE_URL');
  const response = await handleChat(chatRequest(hello));
  assertEquals(response.status, 500);
  assertEquals((await response.json()).code, 'NOT_CONFIGURED');
});

withUpstream('runs as a real server: JSON, stream, and a client abort that aborts upstream', async (upstream) => {
  const server = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: () => {} }, handleChat);
  const url = `http://127.0.0.1:${server.addr.port}/functions/v1/chat`;
  const post = (body: unknown, signal?: AbortSignal) =>
    fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer anon' },
      body: JSON.stringify(body),
      signal,
    });
  try {
    const preflight = await fetch(url, { method: 'OPTIONS' });
    assertEquals(preflight.status, 200);
    await preflight.body?.cancel();

    const answer = await post({ messages: [{ role: 'user', content: 'over http' }] });
    assertEquals(answer.status, 200);
    assertEquals((await answer.json()).response, 'Echo: over http');

    const streamed = await post({ messages: [{ role: 'user', content: 'stream me please' }], stream: true });
    const events = sseData(await streamed.text());
    assertEquals(events.at(-1), '[DONE]');
    const text = events
      .slice(0, -1)
      .map((e) => JSON.parse(e).choices[0]?.delta?.content ?? '')
      .join('');
    assertEquals(text, 'Echo: stream me please');

    // A slow stream the client abandons after the first chunk: the upstream connection must close early.
    upstream.enqueue({ kind: 'text', text: 'a b c d e f g h i j', chunkDelayMs: 100 });
    const controller = new AbortController();
    const slow = await post({ messages: [{ role: 'user', content: 'slow' }], stream: true }, controller.signal);
    const reader = slow.body!.getReader();
    await reader.read();
    controller.abort();
    await reader.cancel().catch(() => {});
    const record = upstream.requests.at(-1)!;
    const deadline = Date.now() + 2_000;
    while (!record.aborted && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert(record.aborted, 'the upstream request was aborted along with the client');
    const followUp = await post({ messages: [{ role: 'user', content: 'still alive' }] });
    assertEquals((await followUp.json()).response, 'Echo: still alive');
  } finally {
    await server.shutdown();
  }
});
