import { AiProviderError, type AiProvider, type AiRequest, type AiStreamEvent } from './ai-provider.js';
import {
  badResponse as unreadable,
  brokenStream as brokeOff,
  chatCompletionEvents,
  readChatCompletionStream,
} from './chat-completions-stream.js';
import { UpstreamCall, httpError } from './upstream-call.js';

const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export interface OpenAiProviderOptions {
  /** Any OpenAI-compatible API root, up to and including `/v1`. */
  baseUrl?: string;
  /** Omitted for servers without keys (Ollama, a local vLLM). */
  apiKey?: string;
  model: string;
}

/** Any OpenAI-compatible Chat Completions endpoint, always streamed. */
export class OpenAiProvider implements AiProvider {
  readonly name = 'openai' as const;
  readonly model: string;
  private readonly endpoint: string;
  private readonly apiKey?: string;

  constructor(options: OpenAiProviderOptions) {
    this.model = options.model;
    this.apiKey = options.apiKey;
    this.endpoint = `${(options.baseUrl ?? OPENAI_DEFAULT_BASE_URL).replace(/\/+$/, '')}/chat/completions`;
  }

  async *stream(request: AiRequest): AsyncGenerator<AiStreamEvent> {
    const call = new UpstreamCall(request.signal, request.timeoutMs);
    try {
      const response = await this.send(request, call);
      if (!response.ok) throw await httpError(response, call);

      if (isJson(response)) {
        // A server that ignores `stream: true`: the whole answer falls under one timeout.
        const json: unknown = await response.json().catch((error: unknown) => {
          throw call.failure(error, badResponse);
        });
        yield* chatCompletionEvents(json);
        return;
      }
      if (!response.body) throw badResponse();
      call.touch();
      try {
        yield* readChatCompletionStream(response.body, () => call.touch());
      } catch (error) {
        throw call.failure(error, brokenStream);
      }
    } finally {
      call.end();
    }
  }

  private async send(request: AiRequest, call: UpstreamCall): Promise<Response> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Accept: 'text/event-stream',
    };
    if (this.apiKey) headers.Authorization = `Bearer ${this.apiKey}`;
    try {
      return await fetch(this.endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          model: request.model ?? this.model,
          messages: request.messages.map(({ role, content }) => ({ role, content })),
          temperature: request.temperature,
          max_tokens: request.maxTokens,
          stream: true,
          stream_options: { include_usage: true },
        }),
        signal: call.signal,
      });
    } catch (error) {
      throw call.failure(
        error,
        (cause) => new AiProviderError('UPSTREAM_ERROR', 'Could not reach the AI provider.', undefined, { cause }),
      );
    }
  }
}

function isJson(response: Response): boolean {
  return (response.headers.get('content-type') ?? '').toLowerCase().startsWith('application/json');
}

const SOURCE = 'The AI provider';
const badResponse = (cause?: unknown) => unreadable(SOURCE, cause);
const brokenStream = (cause: unknown) => brokeOff(SOURCE, cause);
