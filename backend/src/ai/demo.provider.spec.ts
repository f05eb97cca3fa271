import { AiProviderError, type AiRequest, type AiStreamEvent } from './ai-provider.js';
import { DemoProvider, demoAnswer } from './demo.provider.js';

function request(messages: AiRequest['messages'], signal = new AbortController().signal): AiRequest {
  return { messages, systemPrompt: 'sys', temperature: 0.7, maxTokens: 100, signal, timeoutMs: 1000 };
}

async function collect(stream: AsyncIterable<AiStreamEvent>) {
  const events: AiStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return { events, text: events.map((e) => (e.type === 'delta' ? e.text : '')).join('') };
}

const conversation: AiRequest['messages'] = [
  { role: 'system', content: 'You are helpful.' },
  { role: 'user', content: 'My favourite colour is teal.' },
  { role: 'assistant', content: 'Noted.' },
  { role: 'user', content: 'I have two cats.' },
  { role: 'assistant', content: 'Nice.' },
  { role: 'user', content: 'What do you remember?' },
];

describe('DemoProvider', () => {
  const provider = new DemoProvider({ chunkDelayMs: 0 });

  it('says it is the offline demo and how to configure a real model', async () => {
    const { text } = await collect(provider.stream(request([{ role: 'user', content: 'Hello?' }])));
    expect(text).toContain('offline demo');
    expect(text).toMatch(/not an AI model/);
    for (const variable of ['OPENAI_BASE_URL', 'OPENAI_API_KEY', 'SUPABASE_URL', 'EDGE_FUNCTION_URL', 'AI_PROVIDER']) {
      expect(text).toContain(variable);
    }
    expect(text).toMatch(/^- /m);
    expect(text).toContain('“Hello?”');
    expect(text).toContain('first message');
  });

  it('uses the conversation’s memory: quotes the first message and counts earlier turns', async () => {
    const { text } = await collect(provider.stream(request(conversation)));
    expect(text).toContain('You said earlier: “My favourite colour is teal.”');
    expect(text).toContain('first of 2 earlier messages');
    expect(text).toContain('“What do you remember?”');
  });

  it('streams word by word and ends with usage counted in words', async () => {
    const { events, text } = await collect(provider.stream(request(conversation)));
    const deltas = events.filter((e) => e.type === 'delta');
    expect(deltas.length).toBe(text.trim().split(/\s+/).length);
    expect(text).toBe(demoAnswer(conversation));
    const promptWords = conversation.reduce((n, m) => n + (m.content as string).split(/\s+/).length, 0);
    const answerWords = text.trim().split(/\s+/).length;
    expect(events.at(-1)).toEqual({
      type: 'done',
      finishReason: 'stop',
      model: 'pulse-demo',
      usage: { promptTokens: promptWords, completionTokens: answerWords, totalTokens: promptWords + answerWords },
    });
    expect(provider.model).toBe('pulse-demo');
  });

  it('names what came with a message: images by media type, files, passages, a voice message', async () => {
    const { text } = await collect(
      provider.stream(
        request([
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
              { type: 'image_url', image_url: { url: 'https://cdn.example/photo.jpg' } },
              { type: 'text', text: 'Attached file "notes.md" (text/markdown):\n# Notes' },
              { type: 'text', text: 'Passages of "manual.pdf" (300 pages) that match the question:\n[page 12] …' },
            ],
          },
        ]),
      ),
    );
    expect(text).toContain('You said: “What is this?”');
    expect(text).toContain(
      'With it I see an image (image/png), an image (by link), the file “notes.md” (text/markdown) and passages of “manual.pdf”;',
    );
    expect(text).not.toContain('# Notes');
  });

  it('quotes a voice message’s transcript when nothing was typed', async () => {
    const { events, text } = await collect(
      provider.stream(
        request([
          {
            role: 'user',
            content: [
              { type: 'text', text: '' },
              { type: 'text', text: 'Voice message transcript:\nHow much is shipping?' },
            ],
          },
        ]),
      ),
    );
    expect(text).toContain('You said: “How much is shipping?”');
    expect(text).toContain('With it I see a voice message;');
    expect(events.at(-1)).toMatchObject({ usage: { promptTokens: 7 } });
  });

  it('paces its words so streaming is visible', async () => {
    // A pause far longer than the test: the next word is still pending after a full turn of the
    // event loop, which no clock reading is needed to see. The abort then ends the pause at once.
    const controller = new AbortController();
    const stream = new DemoProvider({ chunkDelayMs: 60_000 }).stream(request(conversation, controller.signal));
    const next = stream.next();
    const first = await Promise.race([next, new Promise((resolve) => setImmediate(() => resolve('waiting')))]);
    expect(first).toBe('waiting');
    controller.abort();
    await expect(next).rejects.toMatchObject({ code: 'UPSTREAM_ABORTED' });
  });

  it('stops with UPSTREAM_ABORTED when the signal aborts mid-answer', async () => {
    const paced = new DemoProvider({ chunkDelayMs: 1 });
    const controller = new AbortController();
    const received: AiStreamEvent[] = [];
    let error: unknown;
    try {
      for await (const event of paced.stream(request(conversation, controller.signal))) {
        received.push(event);
        if (received.length === 3) controller.abort();
      }
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AiProviderError);
    expect((error as AiProviderError).code).toBe('UPSTREAM_ABORTED');
    expect(received).toHaveLength(3);
    expect(received.some((e) => e.type === 'done')).toBe(false);
  });

  it('does not start when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(collect(provider.stream(request(conversation, controller.signal)))).rejects.toMatchObject({
      code: 'UPSTREAM_ABORTED',
    });
  });
});

describe('DemoProvider with the page’s tools', () => {
  const provider = new DemoProvider({ chunkDelayMs: 0 });
  const addToCart = {
    name: 'add_to_cart',
    description: 'Adds a product of the shop to the cart.',
    parameters: {
      type: 'object',
      properties: {
        product: { type: 'string', enum: ['mug', 't-shirt', 'poster'] },
        color: { type: 'string' },
        quantity: { type: 'integer', minimum: 1, maximum: 20 },
      },
      required: ['product', 'quantity'],
    },
  };
  const withTools = (messages: AiRequest['messages']): AiRequest => ({ ...request(messages), tools: [addToCart] });
  const asked: AiRequest['messages'] = [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello.' },
    { role: 'user', content: 'add two blue mugs to my cart' },
  ];

  it('calls the tool the message asks for, streamed as a model streams a call', async () => {
    const { events, text } = await collect(provider.stream(withTools(asked)));
    expect(text).toBe('');
    const [start, ...rest] = events;
    const id = start.type === 'tool-call-start' ? start.id : '';
    expect(id).toMatch(/^call_demo_[\w-]{12}$/);
    expect(start).toEqual({ type: 'tool-call-start', index: 0, id, name: 'add_to_cart' });
    const deltas = rest.filter((e) => e.type === 'tool-call-delta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.every((e) => e.index === 0)).toBe(true);
    const args = deltas.map((e) => e.argumentsDelta).join('');
    expect(args).toBe('{"product":"mug","color":"blue","quantity":2}');
    expect(events.at(-1)).toEqual({
      type: 'done',
      finishReason: 'tool_calls',
      model: 'pulse-demo',
      // The conversation's words, and the arguments as one.
      usage: { promptTokens: 9, completionTokens: 1, totalTokens: 10 },
      toolCalls: [{ id, name: 'add_to_cart', arguments: args }],
    });
    expect(events).toHaveLength(2 + deltas.length);
  });

  it('answers in its usual words when no tool fits, or without tools', async () => {
    const plain = await collect(provider.stream(withTools([{ role: 'user', content: 'Hello?' }])));
    expect(plain.text).toContain('offline demo');
    expect(plain.events.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
    const noTools = await collect(provider.stream(request(asked)));
    expect(noTools.text).toContain('offline demo');
    expect(noTools.events.some((e) => e.type === 'tool-call-start')).toBe(false);
  });

  it('after the page answered, says how it went instead of calling again', async () => {
    const called = await collect(provider.stream(withTools(asked)));
    const done = called.events.at(-1) as Extract<AiStreamEvent, { type: 'done' }>;
    const call = done.toolCalls![0];
    const continuation: AiRequest['messages'] = [
      ...asked,
      { role: 'assistant', content: '', toolCalls: [call] },
      { role: 'tool', toolCallId: call.id, content: '{"ok":true,"cart":{"mug":2}}' },
    ];
    const { events, text } = await collect(provider.stream(withTools(continuation)));
    expect(text).toBe('Done: 2 blue mugs are in your cart.');
    expect(events.filter((e) => e.type === 'delta').length).toBeGreaterThan(1);
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop', usage: { completionTokens: 8 } });

    const denied = [
      ...continuation.slice(0, -1),
      { ...continuation.at(-1)!, content: '{"error":"The visitor denied this action."}' },
    ];
    expect((await collect(provider.stream(withTools(denied)))).text).toBe(
      'Okay, I did not run add_to_cart: you declined it.',
    );
  });

  it('stops a call’s arguments with UPSTREAM_ABORTED when the signal aborts', async () => {
    const controller = new AbortController();
    const paced = new DemoProvider({ chunkDelayMs: 1 });
    const received: AiStreamEvent[] = [];
    await expect(
      (async () => {
        for await (const event of paced.stream({ ...withTools(asked), signal: controller.signal })) {
          received.push(event);
          if (received.length === 2) controller.abort();
        }
      })(),
    ).rejects.toMatchObject({ code: 'UPSTREAM_ABORTED' });
    expect(received.map((e) => e.type)).toEqual(['tool-call-start', 'tool-call-delta']);
  });
});
