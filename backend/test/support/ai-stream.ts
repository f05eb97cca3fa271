import { AiProviderError, type AiRequest, type AiStreamEvent } from '../../src/ai/ai-provider.js';

/** A provider request with the spec's own conversation and settings; a fresh signal, 5 s timeout. */
export function aiRequest(
  fixed: Pick<AiRequest, 'messages' | 'systemPrompt' | 'temperature' | 'maxTokens'>,
  overrides: Partial<AiRequest> = {},
): AiRequest {
  return { ...fixed, signal: new AbortController().signal, timeoutMs: 5000, ...overrides };
}

/**
 * Drains a provider stream, keeping what arrived before a failure the way the chat service does.
 * `onEvent` runs after each event is kept (a test aborts there, mid-stream).
 */
export async function drain(stream: AsyncIterable<AiStreamEvent>, onEvent?: (event: AiStreamEvent) => void) {
  const events: AiStreamEvent[] = [];
  let error: unknown;
  try {
    for await (const event of stream) {
      events.push(event);
      onEvent?.(event);
    }
  } catch (e) {
    error = e;
  }
  const text = events.map((e) => (e.type === 'delta' ? e.text : '')).join('');
  return { events, text, error, done: events.find((e) => e.type === 'done') };
}

export function expectCode(error: unknown, code: AiProviderError['code']): AiProviderError {
  expect(error).toBeInstanceOf(AiProviderError);
  expect((error as AiProviderError).code).toBe(code);
  return error as AiProviderError;
}

/** Rejects when `promise` has not settled within `ms`. */
export function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms)),
  ]);
}
