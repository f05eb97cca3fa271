import { jest } from '@jest/globals';
import { Readable } from 'node:stream';
import { AiProviderError, type AiStreamEvent } from './ai-provider.js';
import {
  chatCompletionEvents,
  mapUsage,
  readChatCompletionStream,
  readReusably,
  shortErrorReason,
} from './chat-completions-stream.js';

/** A body delivered in exactly these pieces, to exercise events split across reads. */
function body(...pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      controller.close();
    },
  });
}

const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ object: 'chat.completion.chunk', model: 'm1', choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;

async function read(stream: AsyncIterable<Uint8Array>) {
  const events: AiStreamEvent[] = [];
  let error: unknown;
  try {
    for await (const event of readChatCompletionStream(stream)) events.push(event);
  } catch (e) {
    error = e;
  }
  return { events, error };
}

describe('readChatCompletionStream', () => {
  it('reassembles events split across reads, including a multi-byte character', async () => {
    const whole =
      chunk({ role: 'assistant', content: '' }) +
      chunk({ content: 'Grüß ' }) +
      chunk({ content: 'dich' }) +
      chunk({}, 'stop') +
      'data: [DONE]\n\n';
    const bytes = new TextEncoder().encode(whole);
    const split = new ReadableStream<Uint8Array>({
      start(controller) {
        // One byte at a time: the ü and ß are cut in the middle of their UTF-8 sequences.
        for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
        controller.close();
      },
    });
    const { events, error } = await read(split);
    expect(error).toBeUndefined();
    expect(events).toEqual([
      { type: 'delta', text: 'Grüß ' },
      { type: 'delta', text: 'dich' },
      { type: 'done', finishReason: 'stop', model: 'm1', usage: undefined },
    ]);
  });

  it("reads a Node stream (the OpenAI provider's body) as it reads a web stream", async () => {
    const whole = chunk({ content: 'Grüß ' }) + chunk({ content: 'dich' }, 'stop') + 'data: [DONE]\n\n';
    const bytes = Buffer.from(whole);
    const cut = bytes.indexOf(Buffer.from('ü')) + 1; // inside the ü
    const { events, error } = await read(Readable.from([bytes.subarray(0, cut), bytes.subarray(cut)]));
    expect(error).toBeUndefined();
    expect(events).toEqual([
      { type: 'delta', text: 'Grüß ' },
      { type: 'delta', text: 'dich' },
      { type: 'done', finishReason: 'stop', model: 'm1', usage: undefined },
    ]);
  });

  it("fails on an event larger than the parser's buffer instead of reading on", async () => {
    const { events, error } = await read(body(chunk({ content: 'Hi' }), `data: ${'x'.repeat(2_000_000)}`));
    expect(events).toEqual([{ type: 'delta', text: 'Hi' }]);
    expect((error as { type?: string }).type).toBe('max-buffer-size-exceeded');
  });

  it('takes usage from the trailing usage-only chunk and ignores comments', async () => {
    const { events } = await read(
      body(
        ': keep-alive\n\n',
        chunk({ content: 'Hi' }),
        chunk({}, 'stop'),
        `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } })}\n\n`,
        'data: [DONE]\n\n',
      ),
    );
    expect(events.at(-1)).toEqual({
      type: 'done',
      finishReason: 'stop',
      model: 'm1',
      usage: { promptTokens: 3, completionTokens: 1, totalTokens: 4 },
    });
  });

  it('accepts a stream that ends after its finish reason without [DONE]', async () => {
    const { events, error } = await read(body(chunk({ content: 'ok' }), chunk({}, 'length')));
    expect(error).toBeUndefined();
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'length' });
  });

  it('accepts [DONE] after text without a finish reason, as stop', async () => {
    const { events } = await read(body(chunk({ content: 'ok' }), 'data: [DONE]\n\n'));
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
  });

  it('ignores choices other than the first', async () => {
    const other = `data: ${JSON.stringify({ choices: [{ index: 1, delta: { content: 'B' }, finish_reason: null }] })}\n\n`;
    const { events } = await read(body(chunk({ content: 'A' }), other, chunk({}, 'stop')));
    expect(events.filter((e) => e.type === 'delta')).toEqual([{ type: 'delta', text: 'A' }]);
  });

  it('fails with UPSTREAM_BAD_RESPONSE after yielding the text when the stream just ends', async () => {
    const { events, error } = await read(body(chunk({ content: 'half ' }), chunk({ content: 'an answer' })));
    expect(events).toEqual([
      { type: 'delta', text: 'half ' },
      { type: 'delta', text: 'an answer' },
    ]);
    expect(error).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
  });

  it('rejects chunks that are not JSON or have no choices', async () => {
    expect((await read(body('data: {"choices": [\n\n'))).error).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
    expect((await read(body('data: {"id": "x"}\n\n'))).error).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
    expect((await read(body('data: []\n\n'))).error).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
  });

  it('rejects a stream that ends with [DONE] but never said anything', async () => {
    const { error } = await read(body(`data: ${JSON.stringify({ choices: [] })}\n\n`, 'data: [DONE]\n\n'));
    expect(error).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
  });

  it('reports an error object inside the stream as UPSTREAM_ERROR with its short code', async () => {
    const { events, error } = await read(
      body(
        chunk({ content: 'so far' }),
        `data: ${JSON.stringify({ error: { message: 'overloaded: internal', type: 'server_error' } })}\n\n`,
      ),
    );
    expect(events).toEqual([{ type: 'delta', text: 'so far' }]);
    expect(error).toBeInstanceOf(AiProviderError);
    expect((error as AiProviderError).code).toBe('UPSTREAM_ERROR');
    expect((error as AiProviderError).message).toContain('server_error');
    expect((error as AiProviderError).message).not.toContain('overloaded');
  });

  it('keeps a relayed UPSTREAM_TIMEOUT code from the edge function', async () => {
    const relayed = { error: { message: 'Upstream did not answer', type: 'upstream_error', code: 'UPSTREAM_TIMEOUT' } };
    const { error } = await read(body(chunk({ content: 'x' }), `data: ${JSON.stringify(relayed)}\n\n`));
    expect(error).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
  });

  it('rethrows a failing body untouched for the caller to classify', async () => {
    const cut = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(chunk({ content: 'before' })));
      },
      pull(controller) {
        controller.error(new TypeError('terminated'));
      },
    });
    const { events, error } = await read(cut);
    expect(events).toEqual([{ type: 'delta', text: 'before' }]);
    expect(error).toBeInstanceOf(TypeError);
  });

  it('reads tool calls: each starts with its id and name, its arguments arrive in pieces, done lists them whole', async () => {
    const call = (index: number, fn: Record<string, unknown>, id?: string) =>
      chunk({ tool_calls: [{ index, ...(id ? { id, type: 'function' } : {}), function: fn }] });
    const { events, error } = await read(
      body(
        chunk({ role: 'assistant', content: 'On it. ' }),
        call(0, { name: 'add_to_cart', arguments: '' }, 'call_a'),
        call(0, { arguments: '{"product":' }),
        call(1, { name: 'show', arguments: '{}' }, 'call_b'),
        call(0, { arguments: '"mug"}' }),
        chunk({}, 'tool_calls'),
        'data: [DONE]\n\n',
      ),
    );
    expect(error).toBeUndefined();
    expect(events).toEqual([
      { type: 'delta', text: 'On it. ' },
      { type: 'tool-call-start', index: 0, id: 'call_a', name: 'add_to_cart' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"product":' },
      { type: 'tool-call-start', index: 1, id: 'call_b', name: 'show' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{}' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '"mug"}' },
      {
        type: 'done',
        finishReason: 'tool_calls',
        usage: undefined,
        model: 'm1',
        toolCalls: [
          { id: 'call_a', name: 'add_to_cart', arguments: '{"product":"mug"}' },
          { id: 'call_b', name: 'show', arguments: '{}' },
        ],
      },
    ]);
  });

  it('refuses a tool call that starts without its id or name', async () => {
    const { error } = await read(
      body(chunk({ tool_calls: [{ index: 0, function: { arguments: '{}' } }] }), chunk({}, 'tool_calls')),
    );
    expect(error).toBeInstanceOf(AiProviderError);
    expect((error as AiProviderError).code).toBe('UPSTREAM_BAD_RESPONSE');
  });

  it('calls onEvent for every event so the caller can keep its idle clock', async () => {
    let calls = 0;
    const events = readChatCompletionStream(
      body(chunk({ content: 'a' }), chunk({}, 'stop'), 'data: [DONE]\n\n'),
      () => {
        calls += 1;
      },
    );
    const received: AiStreamEvent[] = [];
    for await (const event of events) received.push(event);
    expect(received).toHaveLength(2);
    expect(calls).toBe(3);
  });
});

describe('chat completion helpers', () => {
  it('turns a chat.completion into one delta and done', () => {
    expect(
      chatCompletionEvents({
        model: 'm',
        choices: [{ message: { content: 'Hi' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 1 },
      }),
    ).toEqual([
      { type: 'delta', text: 'Hi' },
      {
        type: 'done',
        finishReason: 'stop',
        model: 'm',
        usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 },
      },
    ]);
    expect(() => chatCompletionEvents({ choices: [] })).toThrow(AiProviderError);
  });

  it('turns a chat.completion with tool calls into its text, the calls and done', () => {
    const events = chatCompletionEvents({
      model: 'm',
      choices: [
        {
          finish_reason: 'tool_calls',
          message: {
            content: null,
            tool_calls: [{ id: 'call_c', type: 'function', function: { name: 'show', arguments: '{"a":1}' } }],
          },
        },
      ],
    });
    expect(events).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_c', name: 'show' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"a":1}' },
      {
        type: 'done',
        finishReason: 'tool_calls',
        usage: undefined,
        model: 'm',
        toolCalls: [{ id: 'call_c', name: 'show', arguments: '{"a":1}' }],
      },
    ]);
  });

  it('maps usage only when it holds counts', () => {
    expect(mapUsage(null)).toBeUndefined();
    expect(mapUsage({ prompt_tokens: 'x' })).toBeUndefined();
    expect(mapUsage({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 })).toEqual({
      promptTokens: 2,
      completionTokens: 3,
      totalTokens: 5,
    });
  });

  it('extracts only a short machine reason from error bodies', () => {
    expect(shortErrorReason({ error: { message: 'Incorrect API key sk-123', code: 'invalid_api_key' } })).toBe(
      'invalid_api_key',
    );
    expect(shortErrorReason({ error: { message: 'x', type: 'server_error', code: null } })).toBe('server_error');
    expect(shortErrorReason({ error: 'a long sentence with spaces' })).toBeUndefined();
    expect(shortErrorReason('<html>')).toBeUndefined();
  });
});

/**
 * A body's chunks as readReusably gets them: `after` is what the server sends after [DONE]
 * (`'forever'`: it never ends); `closed` tells whether and when the reader closed the body.
 */
function answerBody(after: string[] | 'forever') {
  const encoder = new TextEncoder();
  const pieces = [chunk({ content: 'Hi' }, 'stop'), 'data: [DONE]\n\n', ...(after === 'forever' ? [] : after)];
  const state = { closed: false, readPastDone: 0 };
  let i = 0;
  let endless: (() => void) | undefined;
  const chunks: AsyncIterator<Uint8Array> = {
    next: async () => {
      if (state.closed) return { done: true, value: undefined };
      if (i < pieces.length) {
        if (i >= 2) state.readPastDone += 1;
        return { done: false, value: encoder.encode(pieces[i++]) };
      }
      if (after !== 'forever') return { done: true, value: undefined };
      await new Promise<void>((resolve) => (endless = resolve));
      return { done: true, value: undefined };
    },
  };
  const close = () => {
    state.closed = true;
    endless?.();
  };
  return { chunks, close, state };
}

async function readAnswer(chunks: AsyncIterator<Uint8Array>, close: () => void, stopEarly = false) {
  let text = '';
  for await (const event of readReusably(chunks, close)) {
    if (event.type === 'delta') text += event.text;
    if (stopEarly) break;
  }
  return text;
}

describe('readReusably', () => {
  it('reads what follows [DONE] to the body’s end, and leaves the body open for its connection', async () => {
    const { chunks, close, state } = answerBody([': trailing comment\n\n']);
    expect(await readAnswer(chunks, close)).toBe('Hi');
    await new Promise((resolve) => setImmediate(resolve));
    expect(state).toEqual({ closed: false, readPastDone: 1 });
  });

  it('closes a body at once when its reader leaves before the end', async () => {
    const { chunks, close, state } = answerBody([]);
    expect(await readAnswer(chunks, close, true)).toBe('Hi');
    expect(state.closed).toBe(true);
  });

  it('closes a body that sends more than 64 KiB after [DONE]', async () => {
    const { chunks, close, state } = answerBody(Array.from({ length: 100 }, () => `: ${'x'.repeat(1024)}\n`));
    await readAnswer(chunks, close);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(state.closed).toBe(true);
    expect(state.readPastDone).toBeLessThan(100);
  });

  it('closes a body that never ends, 2 s after its [DONE]', async () => {
    jest.useFakeTimers();
    try {
      const { chunks, close, state } = answerBody('forever');
      expect(await readAnswer(chunks, close)).toBe('Hi');
      await jest.advanceTimersByTimeAsync(1_900);
      expect(state.closed).toBe(false);
      await jest.advanceTimersByTimeAsync(200);
      expect(state.closed).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});
