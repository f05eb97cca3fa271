import { eventually, type OpenAIUpstream, startOpenAIUpstream } from '@pulse/testkit';
import diagnostics from 'node:diagnostics_channel';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { aiRequest, drain, expectCode, withinMs } from '../../test/support/ai-stream.js';
import type { AiRequest } from './ai-provider.js';
import { SupabaseProvider, resolveEdgeFunction } from './supabase.provider.js';

const messages: AiRequest['messages'] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'I live in Lyon.' },
  { role: 'assistant', content: 'Noted.' },
  { role: 'user', content: 'Where do I live?' },
];

const cartSchema = {
  type: 'object',
  properties: { product: { type: 'string', enum: ['mug', 'poster'] }, quantity: { type: 'integer' } },
  required: ['product', 'quantity'],
};

const request = (overrides: Partial<AiRequest> = {}) =>
  aiRequest({ messages, systemPrompt: 'Be brief.', temperature: 0.2, maxTokens: 321 }, overrides);

type Answer = (res: http.ServerResponse) => void;

/**
 * Stands in for the deployed `chat` edge function: records what supabase-js sends and
 * answers with whatever the test scripts next (the spec's JSON contract by default).
 */
async function startEdgeFunctionStub() {
  const requests: { url: string; headers: http.IncomingHttpHeaders; body: unknown }[] = [];
  const socketCloses: Promise<unknown>[] = [];
  const answers: Answer[] = [];
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    socketCloses.push(once(req.socket, 'close'));
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    requests.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(parts).toString()) });
    const answer =
      answers.shift() ??
      ((r: http.ServerResponse) => {
        r.writeHead(200, { 'content-type': 'application/json' });
        r.end(JSON.stringify({ response: 'You live in Lyon.' }));
      });
    answer(res);
  };
  const server = http.createServer((req, res) => void handle(req, res));
  const seen = { connections: 0 };
  server.on('connection', () => (seen.connections += 1));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    seen,
    requests,
    socketCloses,
    answer: (answer: Answer) => answers.push(answer),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (res: http.ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

const sseChunk = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;
const deltaChunk = (content: string, finish: string | null = null) =>
  sseChunk({
    object: 'chat.completion.chunk',
    model: 'edge-llm',
    choices: [{ index: 0, delta: { content }, finish_reason: finish }],
  });

describe('resolveEdgeFunction', () => {
  it('splits a Supabase function URL into project and function name', () => {
    expect(resolveEdgeFunction({ edgeFunctionUrl: 'https://abc.supabase.co/functions/v1/chat' })).toEqual({
      projectUrl: 'https://abc.supabase.co',
      functionsUrl: 'https://abc.supabase.co/functions/v1',
      name: 'chat',
    });
    expect(resolveEdgeFunction({ edgeFunctionUrl: 'http://127.0.0.1:54321/functions/v1/pulse-chat/' }).name).toBe(
      'pulse-chat',
    );
  });

  it('takes the last path segment as the name of a function served elsewhere', () => {
    expect(resolveEdgeFunction({ edgeFunctionUrl: 'http://localhost:9000/chat' })).toEqual({
      functionsUrl: 'http://localhost:9000',
      name: 'chat',
    });
  });

  it('uses the `chat` function of SUPABASE_URL when no function URL is given', () => {
    expect(resolveEdgeFunction({ supabaseUrl: 'https://abc.supabase.co/', anonKey: 'k' })).toEqual({
      projectUrl: 'https://abc.supabase.co',
      functionsUrl: 'https://abc.supabase.co/functions/v1',
      name: 'chat',
    });
  });
});

describe('SupabaseProvider against an edge function', () => {
  let edge: Awaited<ReturnType<typeof startEdgeFunctionStub>>;
  let provider: SupabaseProvider;
  const anonKey = 'anon-key-for-tests';

  beforeAll(async () => {
    edge = await startEdgeFunctionStub();
    provider = new SupabaseProvider({ supabaseUrl: edge.origin, anonKey });
  });
  afterEach(() => {
    edge.requests.length = 0;
  });
  afterAll(() => edge.close());

  it('turns the JSON contract into one delta and done, with usage and model', async () => {
    edge.answer(
      json(200, {
        response: 'You live in Lyon.',
        model: 'gpt-4o-mini',
        usage: { prompt_tokens: 30, completion_tokens: 5, total_tokens: 35 },
        finish_reason: 'stop',
      }),
    );
    const { events, error } = await drain(provider.stream(request()));
    expect(error).toBeUndefined();
    expect(events).toEqual([
      { type: 'delta', text: 'You live in Lyon.' },
      {
        type: 'done',
        finishReason: 'stop',
        model: 'gpt-4o-mini',
        usage: { promptTokens: 30, completionTokens: 5, totalTokens: 35 },
      },
    ]);
  });

  it('posts the exact body to /functions/v1/chat with the anon key', async () => {
    await drain(provider.stream(request()));
    expect(edge.requests).toHaveLength(1);
    const [{ url, headers, body }] = edge.requests;
    expect(url).toBe('/functions/v1/chat');
    expect(body).toEqual({
      messages,
      system_prompt: 'Be brief.',
      temperature: 0.2,
      max_tokens: 321,
      stream: true,
    });
    expect(headers.apikey).toBe(anonKey);
    expect(headers.authorization).toBe(`Bearer ${anonKey}`);
    expect(headers.accept).toBe('text/event-stream');
    expect(headers['content-type']).toBe('application/json');
  });

  it('passes a user turn’s content parts (text, image) to the function unchanged', async () => {
    const withParts: AiRequest['messages'] = [
      ...messages,
      {
        role: 'user',
        content: [
          { type: 'text', text: 'And this photo?' },
          { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQSkZJRg==' } },
        ],
      },
    ];
    await drain(provider.stream(request({ messages: withParts })));
    expect((edge.requests[0].body as { messages: unknown }).messages).toEqual(withParts);
  });

  it('sends the page’s tools and the tool-calling turns in the Chat Completions shape', async () => {
    const call = { id: 'call_1', name: 'add_to_cart', arguments: '{"product":"mug","quantity":2}' };
    const withTools = request({
      messages: [
        { role: 'user', content: 'add two mugs to my cart' },
        { role: 'assistant', content: '', toolCalls: [call] },
        { role: 'tool', toolCallId: 'call_1', content: '{"ok":true}' },
        { role: 'assistant', content: 'Added.' },
        { role: 'user', content: 'and a poster' },
        { role: 'assistant', content: 'One moment.', toolCalls: [{ ...call, id: 'call_2' }] },
        { role: 'tool', toolCallId: 'call_2', content: '{"error":"Out of stock"}' },
      ],
      tools: [{ name: 'add_to_cart', description: 'Adds to the cart.', parameters: cartSchema }],
    });
    await drain(provider.stream(withTools));
    const body = edge.requests[0].body as Record<string, unknown>;
    const wireCall = (id: string) => ({
      id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    });
    expect(body.messages).toEqual([
      { role: 'user', content: 'add two mugs to my cart' },
      { role: 'assistant', content: null, tool_calls: [wireCall('call_1')] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"ok":true}' },
      { role: 'assistant', content: 'Added.' },
      { role: 'user', content: 'and a poster' },
      { role: 'assistant', content: 'One moment.', tool_calls: [wireCall('call_2')] },
      { role: 'tool', tool_call_id: 'call_2', content: '{"error":"Out of stock"}' },
    ]);
    expect(body.tools).toEqual([
      { type: 'function', function: { name: 'add_to_cart', description: 'Adds to the cart.', parameters: cartSchema } },
    ]);
    expect(body.tool_choice).toBe('auto');

    // Without tools the function hears of none.
    await drain(provider.stream(request({ tools: [] })));
    expect(Object.keys(edge.requests[1].body as object).sort()).toEqual([
      'max_tokens',
      'messages',
      'stream',
      'system_prompt',
      'temperature',
    ]);
  });

  it('reads tool calls from a JSON answer', async () => {
    edge.answer(
      json(200, {
        response: '',
        finish_reason: 'tool_calls',
        tool_calls: [
          { id: 'call_j', type: 'function', function: { name: 'add_to_cart', arguments: '{"quantity":3}' } },
        ],
      }),
    );
    const { events, error } = await drain(provider.stream(request()));
    expect(error).toBeUndefined();
    expect(events).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_j', name: 'add_to_cart' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"quantity":3}' },
      {
        type: 'done',
        finishReason: 'tool_calls',
        usage: undefined,
        model: undefined,
        toolCalls: [{ id: 'call_j', name: 'add_to_cart', arguments: '{"quantity":3}' }],
      },
    ]);
  });

  it('defaults a JSON answer without metadata to finish reason stop', async () => {
    const { events } = await drain(provider.stream(request()));
    expect(events).toEqual([
      { type: 'delta', text: 'You live in Lyon.' },
      { type: 'done', finishReason: 'stop', usage: undefined, model: undefined },
    ]);
  });

  it('reaches the function through EDGE_FUNCTION_URL, with or without a key', async () => {
    const keyed = new SupabaseProvider({ edgeFunctionUrl: `${edge.origin}/functions/v1/chat`, anonKey });
    expect((await drain(keyed.stream(request()))).text).toBe('You live in Lyon.');
    const local = new SupabaseProvider({ edgeFunctionUrl: `${edge.origin}/functions/v1/chat` });
    expect((await drain(local.stream(request()))).text).toBe('You live in Lyon.');

    expect(edge.requests.map((r) => r.url)).toEqual(['/functions/v1/chat', '/functions/v1/chat']);
    expect(edge.requests[0].headers.apikey).toBe(anonKey);
    expect(edge.requests[1].headers.apikey).toBeUndefined();
    expect(edge.requests[1].headers.authorization).toBeUndefined();
    expect(edge.requests[1].body).toEqual(edge.requests[0].body);
  });

  it('reads the function’s chat.completion.chunk stream', async () => {
    edge.answer((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(deltaChunk('You '));
      res.write(deltaChunk('live '));
      res.write(deltaChunk('in Lyon.'));
      res.write(deltaChunk('', 'stop'));
      res.write(sseChunk({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } }));
      res.end('data: [DONE]\n\n');
    });
    const result = await drain(provider.stream(request()));
    expect(result.error).toBeUndefined();
    expect(result.events.filter((e) => e.type === 'delta')).toHaveLength(3);
    expect(result.text).toBe('You live in Lyon.');
    expect(result.done).toEqual({
      type: 'done',
      finishReason: 'stop',
      model: 'edge-llm',
      usage: { promptTokens: 9, completionTokens: 4, totalTokens: 13 },
    });
  });

  it('keeps one connection for answer after answer, though each body ends after its [DONE]', async () => {
    let bodiesEnded = 0;
    const onEnded = () => (bodiesEnded += 1);
    diagnostics.subscribe('undici:request:trailers', onEnded);
    try {
      const before = edge.seen.connections;
      for (let i = 1; i <= 3; i++) {
        edge.answer((res) => {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(`${deltaChunk('Lyon.', 'stop')}data: [DONE]\n\n`);
          // The body's end in a packet of its own, as servers often send it.
          setTimeout(() => res.end(), 20);
        });
        expect((await drain(provider.stream(request()))).text).toBe('Lyon.');
        // Free for the next answer once the body's end was read.
        await eventually(`${i} response bodies ended`, () => bodiesEnded >= i);
      }
      expect(edge.seen.connections - before).toBeLessThanOrEqual(1);
      expect(edge.requests).toHaveLength(3);
    } finally {
      diagnostics.unsubscribe('undici:request:trailers', onEnded);
    }
  });

  it('maps a function error to UPSTREAM_ERROR with its status, not its wording', async () => {
    edge.answer(json(500, { error: 'database password is hunter2' }));
    const e = expectCode((await drain(provider.stream(request()))).error, 'UPSTREAM_ERROR');
    expect(e.upstreamStatus).toBe(500);
    expect(e.message).not.toContain('hunter2');
  });

  it('keeps the codes the function relays: its 504 is UPSTREAM_TIMEOUT', async () => {
    edge.answer(json(504, { error: 'Upstream did not answer within 30000 ms', code: 'UPSTREAM_TIMEOUT' }));
    const e = expectCode((await drain(provider.stream(request()))).error, 'UPSTREAM_TIMEOUT');
    expect(e.upstreamStatus).toBe(504);
  });

  it('keeps the text before an in-band failure the function relays mid-stream', async () => {
    edge.answer((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(deltaChunk('You live '));
      res.end(
        sseChunk({
          error: { message: 'Upstream stream broke off', type: 'upstream_error', code: 'UPSTREAM_BAD_RESPONSE' },
        }),
      );
    });
    const result = await drain(provider.stream(request()));
    expect(result.text).toBe('You live ');
    expectCode(result.error, 'UPSTREAM_BAD_RESPONSE');
  });

  it('maps a relay error to UPSTREAM_ERROR', async () => {
    edge.answer(json(502, { message: 'relay' }, { 'x-relay-error': 'true' }));
    const e = expectCode((await drain(provider.stream(request()))).error, 'UPSTREAM_ERROR');
    expect(e.upstreamStatus).toBe(502);
  });

  it('maps a JSON answer that is not JSON to UPSTREAM_BAD_RESPONSE', async () => {
    edge.answer((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('<html>502 Bad Gateway</html>');
    });
    expectCode((await drain(provider.stream(request()))).error, 'UPSTREAM_BAD_RESPONSE');
  });

  it('maps a JSON answer without `response` to UPSTREAM_BAD_RESPONSE', async () => {
    edge.answer(json(200, { reply: 'wrong field' }));
    expectCode((await drain(provider.stream(request()))).error, 'UPSTREAM_BAD_RESPONSE');
  });

  it('maps a plain-text answer to UPSTREAM_BAD_RESPONSE', async () => {
    edge.answer((res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hello');
    });
    expectCode((await drain(provider.stream(request()))).error, 'UPSTREAM_BAD_RESPONSE');
  });

  it('times out a function that never answers', async () => {
    edge.answer(() => {});
    const started = Date.now();
    expectCode((await drain(provider.stream(request({ timeoutMs: 300 })))).error, 'UPSTREAM_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('bounds a JSON answer as a whole, even when its headers came at once', async () => {
    edge.answer((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"response": "You li');
    });
    const started = Date.now();
    expectCode((await drain(provider.stream(request({ timeoutMs: 300 })))).error, 'UPSTREAM_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('aborts the function call when the caller’s signal aborts, closing the socket', async () => {
    edge.answer((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(deltaChunk('You '));
    });
    const controller = new AbortController();
    const { events, error } = await drain(provider.stream(request({ signal: controller.signal })), () =>
      controller.abort(),
    );
    expect(events).toEqual([{ type: 'delta', text: 'You ' }]);
    expectCode(error, 'UPSTREAM_ABORTED');
    await withinMs(edge.socketCloses.at(-1)!, 1000);
  });

  it('aborts a call still waiting for the function', async () => {
    edge.answer(() => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    expectCode((await drain(provider.stream(request({ signal: controller.signal })))).error, 'UPSTREAM_ABORTED');
    await withinMs(edge.socketCloses.at(-1)!, 1000);
  });

  it('maps an unreachable function to UPSTREAM_ERROR', async () => {
    const gone = await startEdgeFunctionStub();
    await gone.close();
    const unreachable = new SupabaseProvider({ edgeFunctionUrl: `${gone.origin}/functions/v1/chat` });
    const e = expectCode((await drain(unreachable.stream(request()))).error, 'UPSTREAM_ERROR');
    expect(e.upstreamStatus).toBeUndefined();
  });
});

describe('SupabaseProvider streaming from an OpenAI-style upstream', () => {
  // The function proxies chunk SSE unchanged, so the OpenAI stub can play its streaming side.
  let upstream: OpenAIUpstream;
  let provider: SupabaseProvider;

  beforeAll(async () => {
    upstream = await startOpenAIUpstream();
    provider = new SupabaseProvider({ edgeFunctionUrl: `${upstream.url}/chat/completions` });
  });
  afterEach(() => upstream.reset());
  afterAll(() => upstream.close());

  it('assembles the streamed text exactly', async () => {
    const text = 'Lyon, on the Rhône and the Saône.';
    upstream.enqueue({ kind: 'text', text, finishReason: 'length' });
    const result = await drain(provider.stream(request()));
    expect(result.error).toBeUndefined();
    expect(result.text).toBe(text);
    expect(result.done).toMatchObject({ type: 'done', finishReason: 'length' });
  });

  it('reads the model’s streamed tool calls', async () => {
    const args = '{"product":"mug","color":"blue","quantity":2}';
    upstream.enqueue({
      kind: 'tool_calls',
      text: 'Sure.',
      calls: [
        { id: 'call_a', name: 'add_to_cart', arguments: args },
        { id: 'call_b', name: 'add_to_cart', arguments: { product: 'poster', quantity: 1 } },
      ],
    });
    const result = await drain(provider.stream(request()));
    expect(result.error).toBeUndefined();
    expect(result.text).toBe('Sure.');
    const starts = result.events.filter((e) => e.type === 'tool-call-start');
    expect(starts).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_a', name: 'add_to_cart' },
      { type: 'tool-call-start', index: 1, id: 'call_b', name: 'add_to_cart' },
    ]);
    const pieces = result.events.flatMap((e) =>
      e.type === 'tool-call-delta' && e.index === 0 ? [e.argumentsDelta] : [],
    );
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(args);
    expect(result.done).toMatchObject({
      finishReason: 'tool_calls',
      toolCalls: [
        { id: 'call_a', name: 'add_to_cart', arguments: args },
        { id: 'call_b', name: 'add_to_cart', arguments: '{"product":"poster","quantity":1}' },
      ],
    });
  });

  it('maps garbage to UPSTREAM_BAD_RESPONSE', async () => {
    upstream.enqueue({ kind: 'garbage' });
    expectCode((await drain(provider.stream(request()))).error, 'UPSTREAM_BAD_RESPONSE');
  });

  it('keeps the deltas of a cut stream, then fails with UPSTREAM_BAD_RESPONSE', async () => {
    upstream.enqueue({ kind: 'cut', afterChunks: 2, text: 'alpha beta gamma delta' });
    const result = await drain(provider.stream(request()));
    expect(result.text).toBe('alpha beta');
    expectCode(result.error, 'UPSTREAM_BAD_RESPONSE');
  });

  it('times out on a pause between chunks', async () => {
    upstream.enqueue({ kind: 'text', chunks: ['one ', 'two'], chunkDelayMs: 1000 });
    const result = await drain(provider.stream(request({ timeoutMs: 300 })));
    expect(result.text).toBe('one ');
    expectCode(result.error, 'UPSTREAM_TIMEOUT');
  });

  it('maps an upstream 503 to UPSTREAM_ERROR', async () => {
    upstream.enqueue({ kind: 'error', status: 503 });
    expect(expectCode((await drain(provider.stream(request()))).error, 'UPSTREAM_ERROR').upstreamStatus).toBe(503);
  });
});
