import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AiProviderError,
  type AiContentPart,
  type AiMessage,
  type AiProvider,
  type AiRequest,
  type AiStreamEvent,
} from './ai-provider.js';
import { type DemoCall, demoToolCall, demoToolResultAnswer } from './demo-tool-call.js';

export interface DemoProviderOptions {
  /** Pause before each streamed word, so streaming shows in the widget; 0 for tests and benchmarks. */
  chunkDelayMs?: number;
}

const DEMO_MODEL = 'pulse-demo';

/**
 * The answer when no model is configured, so a fresh checkout runs offline. It says what it
 * is instead of imitating a model, and shows that the conversation's memory reaches it. Given
 * the page's tools, it calls one when the message plainly asks for it (demo-tool-call.ts), so
 * the tool round trip can be tried offline too.
 */
export class DemoProvider implements AiProvider {
  readonly name = 'demo' as const;
  readonly model = DEMO_MODEL;
  private readonly chunkDelayMs: number;

  constructor(options: DemoProviderOptions = {}) {
    this.chunkDelayMs = options.chunkDelayMs ?? 10;
  }

  async *stream(request: AiRequest): AsyncGenerator<AiStreamEvent> {
    // The page answered the demo's calls: say how they went instead of starting over.
    if (request.messages.at(-1)?.role === 'tool') {
      yield* this.answer(demoToolResultAnswer(request.messages), request);
      return;
    }
    const asked = request.messages.findLast((m) => m.role === 'user');
    const call =
      request.tools?.length && asked ? demoToolCall(request.tools, readTurn(asked.content).words) : undefined;
    if (call) yield* this.callTool(call, request);
    else yield* this.answer(demoAnswer(request.messages), request);
  }

  private async *answer(answer: string, request: AiRequest): AsyncGenerator<AiStreamEvent> {
    for (const word of splitWords(answer)) {
      await this.pause(request.signal);
      yield { type: 'delta', text: word };
    }
    if (request.signal.aborted) throw aborted();
    yield { type: 'done', finishReason: 'stop', model: DEMO_MODEL, usage: usage(request, countWords(answer)) };
  }

  /** A call in the shape a model's stream gives it: its start, the arguments in pieces, then the end. */
  private async *callTool(call: DemoCall, request: AiRequest): AsyncGenerator<AiStreamEvent> {
    const toolCall = {
      id: `call_demo_${randomBytes(9).toString('base64url')}`,
      name: call.name,
      arguments: JSON.stringify(call.arguments),
    };
    yield { type: 'tool-call-start', index: 0, id: toolCall.id, name: toolCall.name };
    for (const piece of inPieces(toolCall.arguments, ARGUMENT_PIECES)) {
      await this.pause(request.signal);
      yield { type: 'tool-call-delta', index: 0, argumentsDelta: piece };
    }
    if (request.signal.aborted) throw aborted();
    yield {
      type: 'done',
      finishReason: 'tool_calls',
      model: DEMO_MODEL,
      usage: usage(request, countWords(toolCall.arguments)),
      toolCalls: [toolCall],
    };
  }

  private async pause(signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw aborted();
    if (this.chunkDelayMs > 0) {
      await sleep(this.chunkDelayMs, undefined, { signal }).catch(() => {
        throw aborted();
      });
    }
  }
}

/** Word counts stand in for tokens. */
function usage(request: AiRequest, completionTokens: number) {
  const promptTokens = request.messages.reduce((sum, m) => sum + countWords(allText(m.content)), 0);
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}

/** As a model streams arguments: a few pieces that join back to the whole text. */
const ARGUMENT_PIECES = 3;

function inPieces(text: string, count: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / count));
  const pieces: string[] = [];
  for (let at = 0; at < text.length; at += size) pieces.push(text.slice(at, at + size));
  return pieces;
}

/** The demo's whole reply for a conversation; exported for tests and the demo page. */
export function demoAnswer(messages: AiMessage[]): string {
  const userTurns = messages.filter((m) => m.role === 'user').map((m) => readTurn(m.content));
  const latest = userTurns.at(-1) ?? { words: '', seen: [] };
  const earlier = userTurns.slice(0, -1);

  const memory =
    earlier.length === 0
      ? `You said: “${quote(latest.words)}”. This is the first message of our conversation; ask something else and I will show you that I remember it.`
      : [
          `You said earlier: “${quote(earlier[0].words)}”.`,
          `That was the first of ${earlier.length} earlier ${earlier.length === 1 ? 'message' : 'messages'} of yours in this conversation,`,
          `and now you wrote: “${quote(latest.words)}”.`,
        ].join(' ');
  const attachments =
    latest.seen.length > 0
      ? `With it I see ${listed(latest.seen)}; the demo can’t look inside, a real model would.`
      : undefined;

  return [
    `**This is Pulse’s offline demo, not an AI model.** I can’t really answer yet, but the chat, its history and its memory all work.`,
    memory,
    ...(attachments ? [attachments] : []),
    'To connect a real model, set one of these on the server and restart it:',
    [
      '- `OPENAI_BASE_URL` and/or `OPENAI_API_KEY` for any OpenAI-compatible API (OpenAI, Ollama, vLLM…), with `OPENAI_MODEL`',
      '- `SUPABASE_URL` with `SUPABASE_ANON_KEY`, or `EDGE_FUNCTION_URL`, for the Supabase Edge Function',
      '- `AI_PROVIDER` (`openai`, `supabase` or `demo`) to choose explicitly',
    ].join('\n'),
  ].join('\n\n');
}

/**
 * A user turn as the demo reads it: the user's own words, and what came with them, told apart
 * by the openings the chat gives each attachment's part.
 */
function readTurn(content: AiMessage['content']): { words: string; seen: string[] } {
  if (typeof content === 'string') return { words: content, seen: [] };
  const words: string[] = [];
  const said: string[] = [];
  const seen: string[] = [];
  for (const part of content) {
    const described = describePart(part);
    if (described) {
      seen.push(described.what);
      if (described.said) said.push(described.said);
    } else if (part.type === 'text' && part.text.trim() !== '') {
      words.push(part.text);
    }
  }
  // A voice message without typed words: what was said stands for them.
  return { words: (words.length > 0 ? words : said).join(' '), seen };
}

function describePart(part: AiContentPart): { what: string; said?: string } | undefined {
  if (part.type === 'image_url') {
    const mediaType = /^data:([^;,]+)/.exec(part.image_url.url)?.[1];
    return { what: `an image (${mediaType ?? 'by link'})` };
  }
  const file = /^Attached file "(.*?)" \((.*?)\):/.exec(part.text);
  if (file) return { what: `the file “${file[1]}” (${file[2]})` };
  const passages = /^Passages of "(.*?)"/.exec(part.text);
  if (passages) return { what: `passages of “${passages[1]}”` };
  const voice = /^Voice message transcript:\n([\s\S]*)$/.exec(part.text);
  if (voice) return { what: 'a voice message', said: voice[1] };
  return undefined;
}

function allText(content: AiMessage['content']): string {
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' ? part.text : '')).join(' ');
}

function listed(items: string[]): string {
  return items.length === 1 ? items[0] : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
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
