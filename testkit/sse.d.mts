// Types for sse.mjs.

/** One thing that arrived on an SSE stream, with when it arrived (ms since `readSse` began). */
export type SseItem =
  { kind: 'event'; id?: string; data: string; at: number } | { kind: 'comment'; text: string; at: number };

export function readSse(
  body: ReadableStream<Uint8Array>,
  onItem?: (item: SseItem, all: SseItem[]) => void,
): Promise<SseItem[]>;
export function eventIds(items: SseItem[]): number[];
export function partsOf(items: SseItem[]): Array<Record<string, unknown> & { type: string }>;
