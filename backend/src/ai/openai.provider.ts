import { AiProviderError, type AiProvider, type AiRequest, type AiStreamEvent } from './ai-provider.js';
import { toChatMessage, toolFields } from './chat-messages.js';
import {
  badResponse as unreadable,
  brokenStream as brokeOff,
  chatCompletionEvents,
  readReusably,
} from './chat-completions-stream.js';
import { Agent, errors, request as httpRequest, type Dispatcher } from 'undici';
import { UpstreamCall, httpError } from './upstream-call.js';

const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * How long a connection to the model is kept open between calls. undici's default is 4 s,
 * so a chat whose user reads an answer for longer than that paid a new TCP and TLS handshake
 * (one or two round trips to the provider) before its next first token. A server that names
 * its own idle limit (`Keep-Alive: timeout=`) is believed; one that closes sooner without
 * saying so is what the single retry in `send` is for.
 */
const KEEP_ALIVE_MS = 30_000;

/**
 * The connection failed before any of the response arrived: on a kept-alive connection, most
 * likely the server's idle close crossing our request. A chat completion changes nothing on the
 * server but what it answers, so sending it again is safe (RFC 9110 §9.2.2); the worst case is
 * one answer paid for and never read.
 */
function connectionWasClosed(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof errors.SocketError || code === 'ECONNRESET' || code === 'EPIPE';
}

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
  private readonly connections = new Agent({ keepAliveTimeout: KEEP_ALIVE_MS });

  constructor(options: OpenAiProviderOptions) {
    this.model = options.model;
    this.apiKey = options.apiKey;
    this.endpoint = `${(options.baseUrl ?? OPENAI_DEFAULT_BASE_URL).replace(/\/+$/, '')}/chat/completions`;
  }

  async *stream(request: AiRequest): AsyncGenerator<AiStreamEvent> {
    const call = new UpstreamCall(request.signal, request.timeoutMs);
    try {
      const response = await this.send(request, call);
      if (response.statusCode < 200 || response.statusCode > 299) {
        throw await httpError({ status: response.statusCode, text: () => response.body.text() }, call);
      }

      if (isJson(response.headers)) {
        // A server that ignores `stream: true`: the whole answer falls under one timeout.
        const json: unknown = await response.body.json().catch((error: unknown) => {
          throw call.failure(error, badResponse);
        });
        call.complete();
        yield* chatCompletionEvents(json);
        return;
      }
      call.touch();
      const body = response.body;
      try {
        yield* readReusably(
          body[Symbol.asyncIterator](),
          () => body.destroy(),
          () => call.touch(),
        );
        call.complete();
      } catch (error) {
        throw call.failure(error, brokenStream);
      }
    } finally {
      call.end();
    }
  }

  /**
   * undici's request rather than fetch: the answer arrives as a Node stream, without the web
   * streams and per-request objects fetch adds (about a tenth of Pulse's CPU per send, measured).
   */
  private async send(request: AiRequest, call: UpstreamCall): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Accept: 'text/event-stream',
    };
    if (this.apiKey) headers.Authorization = `Bearer ${this.apiKey}`;
    const body = JSON.stringify({
      model: request.model ?? this.model,
      messages: request.messages.map(toChatMessage),
      ...toolFields(request.tools),
      temperature: request.temperature,
      max_tokens: request.maxTokens,
      stream: true,
      stream_options: { include_usage: true },
    });
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await httpRequest(this.endpoint, {
          method: 'POST',
          headers,
          body,
          signal: call.signal,
          dispatcher: this.connections,
        });
      } catch (error) {
        // Once, on a new connection: a second failure is the server's, not a stale connection's.
        if (attempt === 1 && connectionWasClosed(error) && !call.signal.aborted) continue;
        throw call.failure(
          error,
          (cause) => new AiProviderError('UPSTREAM_ERROR', 'Could not reach the AI provider.', undefined, { cause }),
        );
      }
    }
  }
}

function isJson(headers: Dispatcher.ResponseData['headers']): boolean {
  const type = headers['content-type'];
  return (typeof type === 'string' ? type : '').toLowerCase().startsWith('application/json');
}

const SOURCE = 'The AI provider';
const badResponse = (cause?: unknown) => unreadable(SOURCE, cause);
const brokenStream = (cause: unknown) => brokeOff(SOURCE, cause);
