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
