// Types for the OpenAI Chat Completions stub in openai-upstream.mjs.

export type UpstreamBehavior = (
  | {
      kind: 'text';
      /** Full reply text; defaults to the chunks joined, or `Echo: <last user message>`. */
      text?: string;
      /** Exact stream deltas; defaults to `text` split on word boundaries. */
      chunks?: string[];
      chunkDelayMs?: number;
      firstTokenDelayMs?: number;
      /** Any string, odd ones included, to see what Pulse stores. */
      finishReason?: string;
      /** The `model` the answer names; defaults to the requested model. */
      model?: string;
      usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    }
  | { kind: 'error'; status: number; message?: string; type?: string; code?: string | null }
  | { kind: 'hang' }
  | { kind: 'cut'; afterChunks: number; text?: string; chunkDelayMs?: number; firstTokenDelayMs?: number }
  | { kind: 'garbage' }
  | { kind: 'empty' }
) & {
  /** Serves only a request for this model (other requests pass it by); unset = the next request. */
  forModel?: string;
};

export interface RecordedUpstreamRequest {
  headers: Record<string, string | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  receivedAt: number;
  /** True once the connection closed before the answer was complete (client abort, hang, cut). */
  aborted: boolean;
}

export interface OpenAIUpstream {
  /** Base URL as the OpenAI SDKs take it, e.g. `http://127.0.0.1:4010/v1`. */
  url: string;
  port: number;
  /** Every POST /v1/chat/completions received, in order. */
  requests: RecordedUpstreamRequest[];
  /** Scripts the next request (FIFO); an empty queue means the default echo reply. */
  enqueue(behavior: UpstreamBehavior): void;
  reset(): void;
  /** Closes the server and destroys open sockets, hung requests included. */
  close(): Promise<void>;
}

export function startOpenAIUpstream(options?: {
  port?: number;
  host?: string;
  apiKey?: string;
}): Promise<OpenAIUpstream>;

export function splitIntoChunks(text: string): string[];
export function countTokens(text: string): number;
