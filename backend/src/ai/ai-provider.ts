/** One part of a user turn with attachments, in the OpenAI Chat Completions shape. */
export type AiContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

export interface AiMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  /** A plain string, or (a user turn with attachments) parts the providers pass on unchanged. */
  content: string | AiContentPart[];
  /** An assistant turn that called the page's tools. */
  toolCalls?: AiToolCall[];
  /** A tool turn: the call whose result `content` is. */
  toolCallId?: string;
}

/** A tool the host page registered, offered to the model as an OpenAI function. */
export interface AiTool {
  name: string;
  description: string;
  /** A JSON Schema object (checked by the send's validation). */
  parameters: Record<string, unknown>;
}

/** A call the model made: its id, the tool, and its arguments as the JSON text the model wrote. */
export interface AiToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface AiRequest {
  /** Full context in order; the first may be the system prompt. */
  messages: AiMessage[];
  /** Also given on its own because the edge function's body carries `system_prompt`. */
  systemPrompt: string;
  /** A model other than the provider's own (SUMMARY_MODEL, TITLE_MODEL); only the openai provider can switch. */
  model?: string;
  /** The page's tools; none: the model is offered no tool. */
  tools?: AiTool[];
  temperature: number;
  maxTokens: number;
  /** Aborted when the client disconnects; the upstream call is aborted with it. */
  signal: AbortSignal;
  /**
   * CHAT_TIMEOUT in ms: the longest wait for the upstream's first byte and between two
   * stream events, and the whole wait for a non-streaming (JSON) answer.
   */
  timeoutMs: number;
}

export interface AiUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export type AiStreamEvent =
  | { type: 'delta'; text: string }
  /** The model began a call (`index` orders the calls of one answer). */
  | { type: 'tool-call-start'; index: number; id: string; name: string }
  | { type: 'tool-call-delta'; index: number; argumentsDelta: string }
  | { type: 'done'; finishReason: string; usage?: AiUsage; model?: string; toolCalls?: AiToolCall[] };

export interface AiProvider {
  readonly name: 'supabase' | 'openai' | 'demo';
  /** Model name recorded in message metadata when the answer does not name one. */
  readonly model: string;
  /**
   * Always an async iterator, whatever the upstream answers: a JSON answer becomes one
   * delta and a done. Ends with exactly one `done`, or throws an AiProviderError after
   * yielding whatever text had arrived, so the caller can keep a partial answer.
   */
  stream(request: AiRequest): AsyncIterable<AiStreamEvent>;
}

/** Nest injection token for the configured AiProvider. */
export const AI_PROVIDER = Symbol('AI_PROVIDER');

export type AiProviderErrorCode = 'UPSTREAM_TIMEOUT' | 'UPSTREAM_ERROR' | 'UPSTREAM_BAD_RESPONSE' | 'UPSTREAM_ABORTED';

/**
 * The one error the providers throw. `message` is safe to show to a user; the upstream's
 * own wording, which may name keys or internals, is only kept in `cause` for the logs.
 */
export class AiProviderError extends Error {
  constructor(
    readonly code: AiProviderErrorCode,
    message: string,
    readonly upstreamStatus?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AiProviderError';
  }
}
