import { createParser, type EventSourceMessage } from 'eventsource-parser';
import {
  AiProviderError,
  type AiProviderErrorCode,
  type AiStreamEvent,
  type AiToolCall,
  type AiUsage,
} from './ai-provider.js';

/** The longest SSE event read from an upstream (an answer's chunk is a few hundred bytes). */
const MAX_EVENT_BYTES = 1024 * 1024;

/**
 * Reads an OpenAI `chat.completion.chunk` event stream (what the Chat Completions API and
 * the Pulse edge function send with `stream: true`) as AiStreamEvents.
 *
 * Deltas are yielded as they arrive, so when the stream later turns out to be broken the
 * caller already holds the partial text. `onEvent` is called for every SSE event so the
 * caller can run its idle clock. Errors of the body itself (a cut connection, an abort)
 * are rethrown untouched for the caller to map, because only it knows why the read failed.
 *
 * The body is any async iterable of bytes (a Node stream, or a web ReadableStream): each chunk
 * is decoded and parsed in place, with no web-stream pipeline (TextDecoderStream and a parser
 * stream cost several promises per chunk, a measurable share of Pulse's CPU per answer).
 */
export async function* readChatCompletionStream(
  body: AsyncIterable<Uint8Array>,
  onEvent: () => void = () => {},
): AsyncGenerator<AiStreamEvent> {
  const decoder = new TextDecoder();
  const parsed: EventSourceMessage[] = [];
  const parser = createParser({
    onEvent: (event) => parsed.push(event),
    // An upstream that never ends a line is cut off instead of filling the memory.
    maxBufferSize: MAX_EVENT_BYTES,
    // Other parse errors are skipped, as a browser's EventSource does; this one leaves the parser unusable.
    onError: (error) => {
      if (error.type === 'max-buffer-size-exceeded') throw error;
    },
  });
  async function* sseEvents(): AsyncGenerator<EventSourceMessage> {
    for await (const chunk of body) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      // Taken out one by one: a consumer that stops early leaves the rest unread.
      while (parsed.length > 0) yield parsed.shift()!;
    }
    parser.feed(decoder.decode());
    while (parsed.length > 0) yield parsed.shift()!;
  }
  const events = sseEvents();
  let finishReason: string | undefined;
  let usage: AiUsage | undefined;
  let model: string | undefined;
  let sawDone = false;
  let sawText = false;
  // The calls by their index, their arguments gathered from the pieces.
  const calls = new Map<number, AiToolCall>();

  for await (const event of events) {
    onEvent();
    if (event.data.trim() === '[DONE]') {
      sawDone = true;
      break;
    }
    const chunk = parseChunk(event.data);
    if (typeof chunk.model === 'string' && chunk.model) model = chunk.model;
    if (chunk.usage) usage = mapUsage(chunk.usage) ?? usage;
    for (const choice of chunk.choices) {
      if (!isRecord(choice) || (choice.index !== undefined && choice.index !== 0)) continue;
      const delta = isRecord(choice.delta) ? choice.delta : undefined;
      if (typeof delta?.content === 'string' && delta.content !== '') {
        sawText = true;
        yield { type: 'delta', text: delta.content };
      }
      if (Array.isArray(delta?.tool_calls)) yield* toolCallEvents(delta.tool_calls, calls);
      if (typeof choice.finish_reason === 'string' && choice.finish_reason) finishReason = choice.finish_reason;
    }
  }

  if (!sawDone && !finishReason) {
    throw new AiProviderError('UPSTREAM_BAD_RESPONSE', 'The AI provider’s answer stopped before it was complete.');
  }
  if (!finishReason && !sawText && calls.size === 0) {
    throw new AiProviderError('UPSTREAM_BAD_RESPONSE', 'The AI provider sent an empty answer.');
  }
  const toolCalls = [...calls.values()];
  yield {
    type: 'done',
    finishReason: finishReason ?? 'stop',
    usage,
    model,
    ...(toolCalls.length ? { toolCalls } : {}),
  };
}

/** The most calls one answer may make; more is not a model Pulse can work with. */
const MAX_CALLS = 32;
/** The longest arguments of one call (a page's tool takes a few fields). */
const MAX_ARGUMENTS_BYTES = 64 * 1024;

/**
 * Pieces of `delta.tool_calls`: the first piece of a call carries its index, id and name, the
 * next ones more of its arguments (a JSON text, whole only at the end).
 */
function* toolCallEvents(pieces: unknown[], calls: Map<number, AiToolCall>): Generator<AiStreamEvent> {
  for (const piece of pieces) {
    if (!isRecord(piece) || typeof piece.index !== 'number') continue;
    const fn = isRecord(piece.function) ? piece.function : {};
    let call = calls.get(piece.index);
    if (!call) {
      if (typeof piece.id !== 'string' || typeof fn.name !== 'string' || !fn.name || calls.size >= MAX_CALLS) {
        throw new AiProviderError('UPSTREAM_BAD_RESPONSE', 'The AI provider sent a tool call Pulse could not read.');
      }
      call = { id: piece.id, name: fn.name, arguments: '' };
      calls.set(piece.index, call);
      yield { type: 'tool-call-start', index: piece.index, id: call.id, name: call.name };
    }
    if (typeof fn.arguments === 'string' && fn.arguments !== '') {
      call.arguments += fn.arguments;
      if (call.arguments.length > MAX_ARGUMENTS_BYTES) {
        throw new AiProviderError('UPSTREAM_BAD_RESPONSE', 'The AI provider sent a tool call too large to use.');
      }
      yield { type: 'tool-call-delta', index: piece.index, argumentsDelta: fn.arguments };
    }
  }
}

/** How long, and how much, an upstream body may still send after its [DONE] before its connection is closed instead. */
const AFTER_DONE = { ms: 2_000, bytes: 64 * 1024 };

/**
 * readChatCompletionStream over a response body's chunks, leaving its connection reusable. The
 * reader stops at [DONE]; what follows (usually only the end of the chunked body, in the same or
 * the next packet) is read here afterwards, so the connection goes back to the pool. A body closed
 * before its end closes its connection, and every answer then paid for a new one: a TCP and a TLS
 * handshake with a hosted model before its first token. An answer left early (a stop, a failure)
 * is closed at once, which is what stops the model; a server that keeps sending after [DONE], or
 * never ends, loses the connection.
 */
export async function* readReusably(
  chunks: AsyncIterator<Uint8Array>,
  close: () => void,
  onEvent?: () => void,
): AsyncGenerator<AiStreamEvent> {
  let finished = false;
  try {
    // An iterable without `return`: stopping at [DONE] leaves the body open for readRest.
    yield* readChatCompletionStream({ [Symbol.asyncIterator]: () => ({ next: () => chunks.next() }) }, onEvent);
    finished = true;
  } finally {
    if (finished) void readRest(chunks, close);
    else close();
  }
}

async function readRest(chunks: AsyncIterator<Uint8Array>, close: () => void): Promise<void> {
  const late = setTimeout(close, AFTER_DONE.ms);
  let bytes = 0;
  try {
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      bytes += next.value.length;
      if (bytes > AFTER_DONE.bytes) return close();
    }
  } catch {
    // Closed, or broken after the answer was whole: nothing of it is lost.
  } finally {
    clearTimeout(late);
  }
}

/** A non-streaming `chat.completion` object as the same events: one delta and a done. */
export function chatCompletionEvents(json: unknown): AiStreamEvent[] {
  const choice = isRecord(json) && Array.isArray(json.choices) ? (json.choices as unknown[])[0] : undefined;
  const message = isRecord(choice) && isRecord(choice.message) ? choice.message : undefined;
  const toolCalls = Array.isArray(message?.tool_calls) ? message.tool_calls : [];
  if (!isRecord(json) || (typeof message?.content !== 'string' && toolCalls.length === 0)) {
    throw new AiProviderError('UPSTREAM_BAD_RESPONSE', 'The AI provider’s answer had no message.');
  }
  if (toolCalls.length > 0) {
    const calls = new Map<number, AiToolCall>();
    const events = [
      ...toolCallEvents(
        toolCalls.map((c, index) => ({ ...(isRecord(c) ? c : {}), index })),
        calls,
      ),
    ];
    const [text, done] = answerEvents(typeof message?.content === 'string' ? message.content : '', {
      finishReason: isRecord(choice) ? choice.finish_reason : undefined,
      usage: json.usage,
      model: json.model,
    }).reduce<[AiStreamEvent[], AiStreamEvent[]]>(
      ([t, d], e) => (e.type === 'done' ? [t, [...d, { ...e, toolCalls: [...calls.values()] }]] : [[...t, e], d]),
      [[], []],
    );
    return [...text, ...events, ...done];
  }
  return answerEvents(typeof message?.content === 'string' ? message.content : '', {
    finishReason: isRecord(choice) ? choice.finish_reason : undefined,
    usage: json.usage,
    model: json.model,
  });
}

/** One complete answer as a delta (when it has text) followed by the done event. */
export function answerEvents(
  text: string,
  meta: { finishReason?: unknown; usage?: unknown; model?: unknown },
): AiStreamEvent[] {
  const done: AiStreamEvent = {
    type: 'done',
    finishReason: typeof meta.finishReason === 'string' && meta.finishReason ? meta.finishReason : 'stop',
    usage: mapUsage(meta.usage),
    model: typeof meta.model === 'string' && meta.model ? meta.model : undefined,
  };
  return text === '' ? [done] : [{ type: 'delta', text }, done];
}

/** OpenAI's snake_case usage; undefined when absent or not numeric. */
export function mapUsage(raw: unknown): AiUsage | undefined {
  if (!isRecord(raw)) return undefined;
  const promptTokens = toCount(raw.prompt_tokens);
  const completionTokens = toCount(raw.completion_tokens);
  if (promptTokens === undefined && completionTokens === undefined) return undefined;
  const total = toCount(raw.total_tokens) ?? (promptTokens ?? 0) + (completionTokens ?? 0);
  return { promptTokens: promptTokens ?? 0, completionTokens: completionTokens ?? 0, totalTokens: total };
}

/** A short, machine-style reason from an OpenAI error body (`invalid_api_key`), never its prose. */
export function shortErrorReason(body: unknown): string | undefined {
  const error = isRecord(body) ? body.error : undefined;
  const source = isRecord(error) ? error : isRecord(body) ? body : {};
  return [source.code, source.type].find((c): c is string => typeof c === 'string' && /^[\w.-]{1,60}$/.test(c));
}

/**
 * The Pulse edge function relays its own upstream's failures with our codes
 * (`UPSTREAM_TIMEOUT`, `UPSTREAM_BAD_RESPONSE`); those keep their meaning, anything else
 * is an upstream error.
 */
export function relayedErrorCode(reason: string | undefined): AiProviderErrorCode {
  return reason === 'UPSTREAM_TIMEOUT' || reason === 'UPSTREAM_BAD_RESPONSE' ? reason : 'UPSTREAM_ERROR';
}

interface ParsedChunk {
  model?: unknown;
  usage?: unknown;
  choices: unknown[];
}

function parseChunk(data: string): ParsedChunk {
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch (error) {
    throw new AiProviderError('UPSTREAM_BAD_RESPONSE', 'The AI provider sent a chunk that is not JSON.', undefined, {
      cause: error,
    });
  }
  if (!isRecord(chunk)) {
    throw new AiProviderError('UPSTREAM_BAD_RESPONSE', 'The AI provider sent an unexpected chunk.');
  }
  // Some OpenAI-compatible servers report a failure inside an already started stream.
  if (chunk.error !== undefined) {
    const reason = shortErrorReason(chunk);
    throw new AiProviderError(
      relayedErrorCode(reason),
      `The AI provider reported an error mid-answer${reason ? ` (${reason})` : ''}.`,
      undefined,
      { cause: chunk.error },
    );
  }
  if (!Array.isArray(chunk.choices)) {
    throw new AiProviderError('UPSTREAM_BAD_RESPONSE', 'The AI provider sent a chunk without choices.');
  }
  return { model: chunk.model, usage: chunk.usage, choices: chunk.choices };
}

function toCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
}

/** An answer that is not what `source` ("The AI provider", "The edge function") should send. */
export function badResponse(source: string, cause?: unknown): AiProviderError {
  return new AiProviderError('UPSTREAM_BAD_RESPONSE', `${source} sent an answer Pulse could not read.`, undefined, {
    cause,
  });
}

/** A stream from `source` that ended before its end. */
export function brokenStream(source: string, cause: unknown): AiProviderError {
  return new AiProviderError('UPSTREAM_BAD_RESPONSE', `${source}’s stream broke off.`, undefined, { cause });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
