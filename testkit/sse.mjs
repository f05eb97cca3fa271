// Reading a Pulse answer's Server-Sent Events as they arrive, for the backend specs and the
// deployment tests alike.
import { EventSourceParserStream } from 'eventsource-parser/stream';

/**
 * Reads a Server-Sent Events body as it arrives, heartbeat comments included (EventSource and
 * the AI SDK drop those, so tests that count them need this). Each item has when it arrived, in
 * ms since the read began.
 */
export async function readSse(body, onItem) {
  const started = performance.now();
  const items = [];
  const push = (item) => {
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

const dataEvents = (items) => items.filter((i) => i.kind === 'event' && i.data !== '[DONE]');

/** The `id:` numbers of an SSE capture's events, `[DONE]` left out. */
export const eventIds = (items) => dataEvents(items).map((i) => Number(i.id));

/** The JSON parts of an SSE capture, `[DONE]` left out. */
export const partsOf = (items) => dataEvents(items).map((i) => JSON.parse(i.data));
