import {
  parseJsonEventStream,
  readUIMessageStream,
  uiMessageChunkSchema,
  type UIMessage,
  type UIMessageChunk,
} from 'ai';
import { EventSourceParserStream } from 'eventsource-parser/stream';

/** One thing that arrived on an SSE stream, with when it arrived (ms since `readSse` began). */
export type SseItem =
  { kind: 'event'; id?: string; data: string; at: number } | { kind: 'comment'; text: string; at: number };

/**
 * Reads a Server-Sent Events body as it arrives, heartbeat comments included
 * (EventSource and the AI SDK drop those, so tests that count them need this).
 */
export async function readSse(
  body: ReadableStream<Uint8Array>,
  onItem?: (item: SseItem, all: SseItem[]) => void,
): Promise<SseItem[]> {
  const started = performance.now();
  const items: SseItem[] = [];
  const push = (item: SseItem) => {
    items.push(item);
    onItem?.(item, items);
  };
  const events = body.pipeThrough(new TextDecoderStream()).pipeThrough(
    new EventSourceParserStream({
      onComment: (text) => push({ kind: 'comment', text: text.trim(), at: performance.now() - started }),
    }),
  );
  for await (const event of events) {
    push({ kind: 'event', id: event.id, data: event.data, at: performance.now() - started });
  }
  return items;
}

type SseEvent = Extract<SseItem, { kind: 'event' }>;

/** The `id:` numbers of an SSE capture's events, `[DONE]` left out. */
export function eventIds(items: SseItem[]): number[] {
  return items.filter((i): i is SseEvent => i.kind === 'event' && i.data !== '[DONE]').map((i) => Number(i.id));
}

/** The JSON parts of an SSE capture, `[DONE]` left out. */
export function partsOf(items: SseItem[]): Array<Record<string, unknown> & { type: string }> {
  return items
    .filter((i): i is SseEvent => i.kind === 'event' && i.data !== '[DONE]')
    .map((i) => JSON.parse(i.data) as Record<string, unknown> & { type: string });
}

type ParsedChunk = ReturnType<typeof parseJsonEventStream<UIMessageChunk>> extends ReadableStream<infer R> ? R : never;

export interface UiStreamResult {
  /** Every chunk as the AI SDK validated it against its own UI message chunk schema. */
  chunks: UIMessageChunk[];
  /** The assistant message the AI SDK assembled from the chunks (what useChat would show). */
  message: UIMessage | undefined;
  errors: unknown[];
}

/**
 * Reads a Pulse stream the way the AI SDK's chat transport does: its own JSON event-stream
 * parser and chunk schema, then readUIMessageStream to assemble the message. A chunk that
 * does not fit the protocol fails the read.
 */
export async function readWithAiSdk(body: ReadableStream<Uint8Array>): Promise<UiStreamResult> {
  const chunks: UIMessageChunk[] = [];
  const errors: unknown[] = [];
  const stream = parseJsonEventStream({ stream: body, schema: uiMessageChunkSchema }).pipeThrough(
    new TransformStream<ParsedChunk, UIMessageChunk>({
      transform(part, controller) {
        if (!part.success) throw part.error;
        chunks.push(part.value);
        controller.enqueue(part.value);
      },
    }),
  );
  let message: UIMessage | undefined;
  for await (const state of readUIMessageStream<UIMessage>({ stream, onError: (e) => errors.push(e) })) {
    message = state;
  }
  return { chunks, message, errors };
}

/** The text of an assembled UI message: its text parts joined. */
export function textOf(message: UIMessage | undefined): string {
  return (message?.parts ?? [])
    .filter((p): p is Extract<UIMessage['parts'][number], { type: 'text' }> => p.type === 'text')
    .map((p) => p.text)
    .join('');
}
