// What the edge function's tests share: requests to the handler, SSE parsing, the OpenAI stub
// with the function's secrets pointed at it.
import { assert } from './assert.ts';
import { type OpenAIUpstream, startOpenAIUpstream } from '../../../testkit/openai-upstream.mjs';

const ENV_KEYS = ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_MODEL', 'UPSTREAM_TIMEOUT_MS'];

export function chatRequest(body: unknown, init: { headers?: Record<string, string>; signal?: AbortSignal } = {}) {
  return new Request('http://localhost/functions/v1/chat', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...init.headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: init.signal,
  });
}

export const hello = { messages: [{ role: 'user', content: 'hello there' }] };

/** Parses an SSE body into its `data` payloads. */
export function sseData(text: string): string[] {
  return text
    .split('\n\n')
    .map((event) => event.trim())
    .filter((event) => event !== '')
    .map((event) => {
      assert(event.startsWith('data: '), `not a data event: ${event}`);
      return event.slice('data: '.length);
    });
}

/** Starts a stub, points the function's secrets at it, and restores the env afterwards. */
export function withUpstream(
  name: string,
  fn: (upstream: OpenAIUpstream) => Promise<void>,
  options: { apiKey?: string; env?: Record<string, string> } = {},
) {
  Deno.test(name, async () => {
    const saved = new Map(ENV_KEYS.map((key) => [key, Deno.env.get(key)]));
    const upstream = await startOpenAIUpstream({ apiKey: options.apiKey });
    try {
      Deno.env.set('OPENAI_API_KEY', options.apiKey ?? 'sk-test');
      Deno.env.set('OPENAI_BASE_URL', upstream.url);
      Deno.env.set('OPENAI_MODEL', 'gpt-test');
      Deno.env.delete('UPSTREAM_TIMEOUT_MS');
      for (const [key, value] of Object.entries(options.env ?? {})) Deno.env.set(key, value);
      await fn(upstream);
    } finally {
      await upstream.close();
      for (const [key, value] of saved) {
        if (value === undefined) Deno.env.delete(key);
        else Deno.env.set(key, value);
      }
    }
  });
}
