// The AI SDK's reading of a Pulse stream, for the backend specs (the SDK is a backend devDependency);
// plain SSE reading is @pulse/testkit's readSse.
import {
  parseJsonEventStream,
  readUIMessageStream,
  uiMessageChunkSchema,
  type UIMessage,
  type UIMessageChunk,
} from 'ai';

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
