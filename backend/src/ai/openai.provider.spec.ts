import { eventually, type OpenAIUpstream, startOpenAIUpstream } from '@pulse/testkit';
import diagnostics from 'node:diagnostics_channel';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { aiRequest, drain, expectCode, withinMs } from '../../test/support/ai-stream.js';
import type { AiRequest } from './ai-provider.js';
import { OpenAiProvider } from './openai.provider.js';

const messages: AiRequest['messages'] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'My name is Ada.' },
  { role: 'assistant', content: 'Hello Ada.' },
  { role: 'user', content: 'What is my name?' },
];

const request = (overrides: Partial<AiRequest> = {}) =>
  aiRequest({ messages, systemPrompt: 'You are terse.', temperature: 0.3, maxTokens: 123 }, overrides);

describe('OpenAiProvider against an OpenAI-compatible upstream', () => {
  let upstream: OpenAIUpstream;
  let provider: OpenAiProvider;

  beforeAll(async () => {
    upstream = await startOpenAIUpstream({ apiKey: 'sk-test' });
    provider = new OpenAiProvider({ baseUrl: upstream.url, apiKey: 'sk-test', model: 'gpt-test' });
  });
  afterEach(() => upstream.reset());
  afterAll(() => upstream.close());

  it('streams the upstream text and maps usage, finish reason and model', async () => {
    const text = 'Your name is Ada, as you told me a moment ago.';
    upstream.enqueue({ kind: 'text', text, usage: { prompt_tokens: 21, completion_tokens: 11, total_tokens: 32 } });

    const result = await drain(provider.stream(request()));

    expect(result.error).toBeUndefined();
    expect(result.text).toBe(text);
    expect(result.events.filter((e) => e.type === 'delta').length).toBeGreaterThan(3);
    expect(result.events.at(-1)).toEqual({
      type: 'done',
      finishReason: 'stop',
      model: 'gpt-test',
      usage: { promptTokens: 21, completionTokens: 11, totalTokens: 32 },
    });
  });

  it('sends the exact Chat Completions body and the bearer key', async () => {
    await drain(provider.stream(request()));

    expect(upstream.requests).toHaveLength(1);
    const { headers } = upstream.requests[0];
    const body: unknown = upstream.requests[0].body;
    expect(body).toEqual({
      model: 'gpt-test',
      messages,
      temperature: 0.3,
      max_tokens: 123,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(headers.authorization).toBe('Bearer sk-test');
  });

  it('passes a user turn’s content parts (text, image) to the model unchanged', async () => {
    const withParts: AiRequest['messages'] = [
      ...messages,
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is on this label?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==' } },
          { type: 'text', text: 'Attached file "notes.md" (text/markdown):\n# Notes' },
        ],
      },
    ];
    await drain(provider.stream(request({ messages: withParts })));
    expect(upstream.lastRequest().messages).toEqual(withParts);
  });

  it('a model that takes no images refuses them: UPSTREAM_ERROR 400 naming only the error type', async () => {
    upstream.rejectImages();
    const withImage: AiRequest['messages'] = [
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://cdn.example/a.png' } }] },
    ];
    const e = expectCode((await drain(provider.stream(request({ messages: withImage })))).error, 'UPSTREAM_ERROR');
    expect(e.upstreamStatus).toBe(400);
    expect(e.message).toBe('The AI provider answered HTTP 400 (invalid_request_error).');
  });

  it('asks for another model when the request names one (SUMMARY_MODEL, TITLE_MODEL)', async () => {
    await drain(provider.stream(request({ model: 'gpt-cheap' })));
    expect((upstream.requests[0].body as { model: string }).model).toBe('gpt-cheap');
  });

  it('reports a length cut-off as the finish reason', async () => {
    upstream.enqueue({ kind: 'text', text: 'Once upon a', finishReason: 'length' });
    const result = await drain(provider.stream(request()));
    expect(result.text).toBe('Once upon a');
    expect(result.done).toMatchObject({ finishReason: 'length' });
  });

  it('sends no Authorization header when no key is configured', async () => {
    const open = await startOpenAIUpstream();
    try {
      const keyless = new OpenAiProvider({ baseUrl: `${open.url}/`, model: 'llama3' });
      const result = await drain(keyless.stream(request()));
      expect(result.text).toBe('Echo: What is my name?');
      expect(open.requests[0].headers.authorization).toBeUndefined();
    } finally {
      await open.close();
    }
  });

  it('maps an HTTP 500 to UPSTREAM_ERROR without the upstream’s wording', async () => {
    upstream.enqueue({ kind: 'error', status: 500, message: 'internal secret stack trace' });
    const { error, events } = await drain(provider.stream(request()));
    const e = expectCode(error, 'UPSTREAM_ERROR');
    expect(e.upstreamStatus).toBe(500);
    expect(e.message).toContain('500');
    expect(e.message).not.toContain('secret');
    expect(events).toEqual([]);
  });

  it('maps a rejected key to UPSTREAM_ERROR 401 with only the short reason', async () => {
    const wrongKey = new OpenAiProvider({ baseUrl: upstream.url, apiKey: 'sk-wrong', model: 'gpt-test' });
    const e = expectCode((await drain(wrongKey.stream(request()))).error, 'UPSTREAM_ERROR');
    expect(e.upstreamStatus).toBe(401);
    expect(e.message).toContain('invalid_api_key');
    expect(e.message).not.toContain('Incorrect API key');
  });

  it('maps an unparseable chunk to UPSTREAM_BAD_RESPONSE', async () => {
    upstream.enqueue({ kind: 'garbage' });
    expectCode((await drain(provider.stream(request()))).error, 'UPSTREAM_BAD_RESPONSE');
  });

  it('maps a stream without choices or finish reason to UPSTREAM_BAD_RESPONSE', async () => {
    upstream.enqueue({ kind: 'empty' });
    const result = await drain(provider.stream(request()));
    expectCode(result.error, 'UPSTREAM_BAD_RESPONSE');
    expect(result.done).toBeUndefined();
  });

  it('keeps the deltas of a cut stream, then fails with UPSTREAM_BAD_RESPONSE', async () => {
    upstream.enqueue({ kind: 'cut', afterChunks: 3, text: 'one two three four five six' });
    const result = await drain(provider.stream(request()));
    expect(result.text).toBe('one two three');
    expect(result.done).toBeUndefined();
    expectCode(result.error, 'UPSTREAM_BAD_RESPONSE');
  });

  it('times out a silent upstream after about timeoutMs', async () => {
    upstream.enqueue({ kind: 'hang' });
    const started = Date.now();
    const { error } = await drain(provider.stream(request({ timeoutMs: 300 })));
    const elapsed = Date.now() - started;
    expectCode(error, 'UPSTREAM_TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(1500);
  });

  it('times out on a pause between chunks, keeping the text before it', async () => {
    upstream.enqueue({ kind: 'text', chunks: ['fast ', 'then ', 'stuck'], chunkDelayMs: 1000 });
    const result = await drain(provider.stream(request({ timeoutMs: 300 })));
    expect(result.text).toBe('fast ');
    expectCode(result.error, 'UPSTREAM_TIMEOUT');
  });

  it('lets a slow but steady stream run longer than timeoutMs in total', async () => {
    upstream.enqueue({ kind: 'text', chunks: ['a ', 'b ', 'c ', 'd ', 'e ', 'f'], chunkDelayMs: 100 });
    const result = await drain(provider.stream(request({ timeoutMs: 300 })));
    expect(result.error).toBeUndefined();
    expect(result.text).toBe('a b c d e f');
  });

  it('times out a first token that comes too late', async () => {
    upstream.enqueue({ kind: 'text', text: 'late', firstTokenDelayMs: 1000 });
    expectCode((await drain(provider.stream(request({ timeoutMs: 300 })))).error, 'UPSTREAM_TIMEOUT');
  });

  it('maps an unreachable upstream to UPSTREAM_ERROR', async () => {
    const closed = await startOpenAIUpstream();
    const url = closed.url;
    await closed.close();
    const unreachable = new OpenAiProvider({ baseUrl: url, model: 'x' });
    const e = expectCode((await drain(unreachable.stream(request()))).error, 'UPSTREAM_ERROR');
    expect(e.upstreamStatus).toBeUndefined();
  });
});

/**
 * A server that starts a stream and never finishes it, recording when the client's
 * socket closes: the proof that an abort reached the network, not just our iterator.
 */
async function startStallingServer(respond: (res: http.ServerResponse) => void) {
  const closes: Promise<unknown>[] = [];
  const server = http.createServer((req, res) => {
    closes.push(once(req.socket, 'close'));
    req.resume();
    respond(res);
  });
  return { ...(await listening(server)), closes };
}

/** `server` on a free loopback port: its API root, and a close that cuts open connections too. */
async function listening(server: http.Server) {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

const sseChunk = (content: string) =>
  `data: ${JSON.stringify({ object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

describe('OpenAiProvider cancellation', () => {
  it('aborts the upstream request when the caller’s signal aborts mid-stream', async () => {
    const server = await startStallingServer((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sseChunk('partial '));
    });
    try {
      const provider = new OpenAiProvider({ baseUrl: server.url, model: 'm' });
      const controller = new AbortController();
      const { events, error } = await drain(provider.stream(request({ signal: controller.signal })), () =>
        controller.abort(),
      );
      expect(events).toEqual([{ type: 'delta', text: 'partial ' }]);
      expectCode(error, 'UPSTREAM_ABORTED');
      await withinMs(server.closes[0], 1000);
    } finally {
      await server.close();
    }
  });

  it('aborts while still waiting for the upstream’s headers', async () => {
    const server = await startStallingServer(() => {});
    try {
      const provider = new OpenAiProvider({ baseUrl: server.url, model: 'm' });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();
      const { error } = await drain(provider.stream(request({ signal: controller.signal })));
      expectCode(error, 'UPSTREAM_ABORTED');
      expect(Date.now() - started).toBeLessThan(1000);
      await withinMs(server.closes[0], 1000);
    } finally {
      await server.close();
    }
  });

  it('closes the upstream connection when the consumer stops reading', async () => {
    const server = await startStallingServer((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sseChunk('first '));
    });
    try {
      const provider = new OpenAiProvider({ baseUrl: server.url, model: 'm' });
      for await (const event of provider.stream(request())) {
        expect(event).toEqual({ type: 'delta', text: 'first ' });
        break;
      }
      await withinMs(server.closes[0], 1000);
    } finally {
      await server.close();
    }
  });

  it('turns a server that ignores stream:true into one delta and done', async () => {
    const server = await startStallingServer((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          object: 'chat.completion',
          model: 'json-model',
          choices: [{ index: 0, message: { role: 'assistant', content: 'Whole answer.' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
        }),
      );
    });
    try {
      const provider = new OpenAiProvider({ baseUrl: server.url, model: 'm' });
      const { events, error } = await drain(provider.stream(request()));
      expect(error).toBeUndefined();
      expect(events).toEqual([
        { type: 'delta', text: 'Whole answer.' },
        {
          type: 'done',
          finishReason: 'stop',
          model: 'json-model',
          usage: { promptTokens: 5, completionTokens: 2, totalTokens: 7 },
        },
      ]);
    } finally {
      await server.close();
    }
  });
});

/** A model server that answers "hi" on every request unless `refuse` says to drop the connection. */
async function startCountingServer(refuse: (requestOnSocket: number) => boolean = () => false) {
  const seen = { connections: 0, requests: 0 };
  const server = http.createServer((req, res) => {
    seen.requests += 1;
    const socket = req.socket as typeof req.socket & { served?: number };
    socket.served = (socket.served ?? 0) + 1;
    if (refuse(socket.served)) {
      socket.destroy();
      return;
    }
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`${sseChunk('hi')}data: [DONE]\n\n`);
      // The body's end in a packet of its own, after [DONE], as hosted APIs often send it.
      setTimeout(() => res.end(), 20);
    });
  });
  // As hosted APIs do: no `Keep-Alive: timeout=` hint, and no idle close of its own.
  server.keepAliveTimeout = 0;
  server.on('connection', () => (seen.connections += 1));
  return { ...(await listening(server)), seen };
}

describe('OpenAiProvider connections', () => {
  // The answer is whole at its [DONE]; its connection is free for the next once the body's end was read.
  let bodiesEnded = 0;
  const onEnded = () => (bodiesEnded += 1);
  const connectionFree = (n: number) => eventually(`${n} response bodies ended`, () => bodiesEnded >= n);
  beforeEach(() => {
    bodiesEnded = 0;
    diagnostics.subscribe('undici:request:trailers', onEnded);
  });
  afterEach(() => diagnostics.unsubscribe('undici:request:trailers', onEnded));

  it('sends answer after answer over one connection, though each body ends after its [DONE]', async () => {
    const server = await startCountingServer();
    try {
      const provider = new OpenAiProvider({ baseUrl: server.url, model: 'm' });
      for (let i = 1; i <= 3; i++) {
        expect((await drain(provider.stream(request()))).text).toBe('hi');
        await connectionFree(i);
      }
      expect(server.seen).toEqual({ connections: 1, requests: 3 });
    } finally {
      await server.close();
    }
  });

  it('keeps its connection to the model across a pause longer than undici’s default 4 s', async () => {
    const server = await startCountingServer();
    try {
      const provider = new OpenAiProvider({ baseUrl: server.url, model: 'm' });
      expect((await drain(provider.stream(request()))).text).toBe('hi');
      await new Promise((resolve) => setTimeout(resolve, 4_500));
      expect((await drain(provider.stream(request()))).text).toBe('hi');
      expect(server.seen).toEqual({ connections: 1, requests: 2 });
    } finally {
      await server.close();
    }
  }, 15_000);

  it('sends a request again, once, on a new connection when the model closed the kept one under it', async () => {
    const server = await startCountingServer((n) => n === 2);
    try {
      const provider = new OpenAiProvider({ baseUrl: server.url, model: 'm' });
      expect((await drain(provider.stream(request()))).text).toBe('hi');
      await connectionFree(1);
      const second = await drain(provider.stream(request()));
      expect(second.error).toBeUndefined();
      expect(second.text).toBe('hi');
      expect(server.seen).toEqual({ connections: 2, requests: 3 });
    } finally {
      await server.close();
    }
  });

  it('gives up after that one retry when the model keeps dropping the connection', async () => {
    const server = await startCountingServer(() => true);
    try {
      const provider = new OpenAiProvider({ baseUrl: server.url, model: 'm' });
      expectCode((await drain(provider.stream(request()))).error, 'UPSTREAM_ERROR');
      expect(server.seen.requests).toBe(2);
    } finally {
      await server.close();
    }
  });
});
