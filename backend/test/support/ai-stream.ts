import { AiProviderError, type AiStreamEvent } from '../../src/ai/ai-provider.js';

/** Drains a provider stream, keeping what arrived before a failure the way the chat service does. */
export async function drain(stream: AsyncIterable<AiStreamEvent>) {
  const events: AiStreamEvent[] = [];
  let error: unknown;
  try {
    for await (const event of stream) events.push(event);
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
