import { setTimeout as sleep } from 'node:timers/promises';
import { AiProviderError, type AiMessage, type AiProvider, type AiRequest, type AiStreamEvent } from './ai-provider.js';

export interface DemoProviderOptions {
  /** Pause before each streamed word, so streaming shows in the widget; 0 for tests and benchmarks. */
  chunkDelayMs?: number;
}

const DEMO_MODEL = 'pulse-demo';

/**
 * The answer when no model is configured, so a fresh checkout runs offline. It says what it
 * is instead of imitating a model, and shows that the conversation's memory reaches it.
 */
export class DemoProvider implements AiProvider {
  readonly name = 'demo' as const;
  readonly model = DEMO_MODEL;
  private readonly chunkDelayMs: number;

  constructor(options: DemoProviderOptions = {}) {
    this.chunkDelayMs = options.chunkDelayMs ?? 10;
  }

  async *stream(request: AiRequest): AsyncGenerator<AiStreamEvent> {
    const answer = demoAnswer(request.messages);
    for (const word of splitWords(answer)) {
      if (request.signal.aborted) throw aborted();
      if (this.chunkDelayMs > 0) {
        await sleep(this.chunkDelayMs, undefined, { signal: request.signal }).catch(() => {
          throw aborted();
        });
      }
      yield { type: 'delta', text: word };
    }
    if (request.signal.aborted) throw aborted();
    const promptTokens = request.messages.reduce((sum, m) => sum + countWords(m.content), 0);
    const completionTokens = countWords(answer);
    yield {
      type: 'done',
      finishReason: 'stop',
      model: DEMO_MODEL,
      usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
    };
  }
}

/** The demo's whole reply for a conversation; exported for tests and the demo page. */
export function demoAnswer(messages: AiMessage[]): string {
  const userTurns = messages.filter((m) => m.role === 'user');
  const latest = userTurns.at(-1)?.content ?? '';
  const earlier = userTurns.slice(0, -1);

  const memory =
    earlier.length === 0
      ? `You said: “${quote(latest)}”. This is the first message of our conversation; ask something else and I will show you that I remember it.`
      : [
          `You said earlier: “${quote(earlier[0].content)}”.`,
          `That was the first of ${earlier.length} earlier ${earlier.length === 1 ? 'message' : 'messages'} of yours in this conversation,`,
          `and now you wrote: “${quote(latest)}”.`,
        ].join(' ');

  return [
    `**This is Pulse’s offline demo, not an AI model.** I can’t really answer yet, but the chat, its history and its memory all work.`,
    memory,
    'To connect a real model, set one of these on the server and restart it:',
    [
      '- `OPENAI_BASE_URL` and/or `OPENAI_API_KEY` for any OpenAI-compatible API (OpenAI, Ollama, vLLM…), with `OPENAI_MODEL`',
      '- `SUPABASE_URL` with `SUPABASE_ANON_KEY`, or `EDGE_FUNCTION_URL`, for the Supabase Edge Function',
      '- `AI_PROVIDER` (`openai`, `supabase` or `demo`) to choose explicitly',
    ].join('\n'),
  ].join('\n\n');
}

const QUOTE_LIMIT = 120;

function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > QUOTE_LIMIT ? `${flat.slice(0, QUOTE_LIMIT - 1)}…` : flat;
}

/** Pieces that concatenate back to exactly the input, each a word with its leading space. */
function splitWords(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

function countWords(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}

function aborted(): AiProviderError {
  return new AiProviderError('UPSTREAM_ABORTED', 'The request was cancelled.');
}
