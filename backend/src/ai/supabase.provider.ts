import { FunctionsClient } from '@supabase/functions-js';
import { createClient } from '@supabase/supabase-js';
import { AiProviderError, type AiProvider, type AiRequest, type AiStreamEvent } from './ai-provider.js';
import {
  answerEvents,
  badResponse as unreadable,
  brokenStream as brokeOff,
  chatCompletionEvents,
  isRecord,
  readReusably,
} from './chat-completions-stream.js';
import { toChatMessage, toolFields } from './chat-messages.js';
import { UpstreamCall, httpError } from './upstream-call.js';

export interface SupabaseProviderOptions {
  /** The project URL (`https://<ref>.supabase.co`); the function is then `chat`. */
  supabaseUrl?: string;
  anonKey?: string;
  /** The function's own URL; wins over supabaseUrl. `/functions/v1/<name>` names the function. */
  edgeFunctionUrl?: string;
}

export interface EdgeFunctionTarget {
  /** Set when the URL is a Supabase project's, so supabase-js can build its own client. */
  projectUrl?: string;
  /** Base that FunctionsClient appends `/<name>` to. */
  functionsUrl: string;
  name: string;
}

const DEFAULT_FUNCTION_NAME = 'chat';

/** Where the edge function lives, from EDGE_FUNCTION_URL or else SUPABASE_URL. */
export function resolveEdgeFunction(options: SupabaseProviderOptions): EdgeFunctionTarget {
  if (options.edgeFunctionUrl) {
    const url = new URL(options.edgeFunctionUrl);
    const path = url.pathname.replace(/\/+$/, '');
    const supabasePath = /^(.*)\/functions\/v1\/([^/]+)$/.exec(path);
    if (supabasePath) {
      const projectUrl = `${url.origin}${supabasePath[1]}`;
      return { projectUrl, functionsUrl: `${projectUrl}/functions/v1`, name: supabasePath[2] };
    }
    // Any other host (a function served on its own): the last path segment is the name.
    const slash = path.lastIndexOf('/');
    return {
      functionsUrl: `${url.origin}${path.slice(0, slash)}`,
      name: path.slice(slash + 1) || DEFAULT_FUNCTION_NAME,
    };
  }
  if (!options.supabaseUrl) throw new Error('The supabase AI provider needs EDGE_FUNCTION_URL or SUPABASE_URL');
  const projectUrl = options.supabaseUrl.replace(/\/+$/, '');
  return { projectUrl, functionsUrl: `${projectUrl}/functions/v1`, name: DEFAULT_FUNCTION_NAME };
}

/**
 * The Pulse `chat` Supabase Edge Function, called through supabase-js. It takes the Chat
 * Completions shape of the messages and tools (chat-messages.ts) and answers either JSON
 * `{ response, model?, usage?, finish_reason?, tool_calls? }` or, when it streams, OpenAI
 * chat.completion.chunk SSE (tool calls as `delta.tool_calls`); both become the same events.
 */
export class SupabaseProvider implements AiProvider {
  readonly name = 'supabase' as const;
  readonly model: string;
  readonly target: EdgeFunctionTarget;
  private readonly functions: FunctionsClient;

  constructor(options: SupabaseProviderOptions) {
    this.target = resolveEdgeFunction(options);
    this.model = `edge-function/${this.target.name}`;
    const { projectUrl, functionsUrl } = this.target;
    const key = options.anonKey;
    if (projectUrl && key) {
      // The server keeps no user session: the anon key alone authorises the call.
      this.functions = createClient(projectUrl, key, {
        auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      }).functions;
    } else {
      // createClient insists on a key; a local function (`supabase functions serve`) needs none.
      this.functions = new FunctionsClient(functionsUrl, { headers: key ? keyHeaders(key) : {} });
    }
  }

  async *stream(request: AiRequest): AsyncGenerator<AiStreamEvent> {
    const call = new UpstreamCall(request.signal, request.timeoutMs);
    try {
      // functions-js types the error as `any`: read it as unknown.
      const answer: { data: unknown; error: unknown } = await this.functions.invoke<unknown>(this.target.name, {
        body: {
          messages: request.messages.map(toChatMessage),
          ...toolFields(request.tools),
          system_prompt: request.systemPrompt,
          temperature: request.temperature,
          max_tokens: request.maxTokens,
          stream: true,
        },
        headers: { Accept: 'text/event-stream' },
        signal: call.signal,
      });
      const { data, error } = answer;
      if (error) throw await invokeError(error, call);

      // functions-js hands back the Response itself for text/event-stream, unread.
      if (data instanceof Response) {
        if (!data.body) throw badResponse();
        call.touch();
        const reader = data.body.getReader();
        const close = () => void reader.cancel().catch(() => undefined);
        try {
          const chunks = { next: () => reader.read() } as AsyncIterator<Uint8Array>;
          yield* readReusably(chunks, close, () => call.touch());
          // Whole: the call's end must not abort the request, which would close the connection after all.
          call.complete();
        } catch (streamError) {
          throw call.failure(streamError, brokenStream);
        }
        return;
      }
      yield* edgeFunctionAnswerEvents(data);
    } finally {
      call.end();
    }
  }
}

/** The JSON answer of the spec's contract, or a plain chat.completion from a proxying function. */
function edgeFunctionAnswerEvents(data: unknown): AiStreamEvent[] {
  // The model called tools: the contract's answer carries them as a chat.completion message does.
  if (isRecord(data) && typeof data.response === 'string' && Array.isArray(data.tool_calls) && data.tool_calls.length) {
    const message = { role: 'assistant', content: data.response, tool_calls: data.tool_calls };
    return chatCompletionEvents({
      model: data.model,
      usage: data.usage,
      choices: [{ index: 0, message, finish_reason: data.finish_reason }],
    });
  }
  if (isRecord(data) && typeof data.response === 'string') {
    return answerEvents(data.response, { finishReason: data.finish_reason, usage: data.usage, model: data.model });
  }
  if (isRecord(data) && Array.isArray(data.choices)) return chatCompletionEvents(data);
  throw badResponse(data);
}

async function invokeError(error: unknown, call: UpstreamCall): Promise<AiProviderError> {
  if (call.abortReason) return call.abortReason;
  // functions-js reports through error classes; their names survive duplicate package copies.
  const name = error instanceof Error ? error.name : '';
  const context: unknown = (error as { context?: unknown }).context;
  if (name === 'FunctionsHttpError' && context instanceof Response) return httpError(context, call);
  if (name === 'FunctionsRelayError') {
    const status = context instanceof Response ? context.status : undefined;
    return new AiProviderError('UPSTREAM_ERROR', 'The Supabase relay could not run the edge function.', status, {
      cause: error,
    });
  }
  if (name === 'FunctionsFetchError') {
    return new AiProviderError('UPSTREAM_ERROR', 'Could not reach the edge function.', undefined, { cause: error });
  }
  // What is left is functions-js failing to parse the body it was promised (JSON that is not).
  return badResponse(error);
}

/** What supabase-js sends for an anon key; new-format keys are never a Bearer token. */
function keyHeaders(key: string): Record<string, string> {
  const isNewFormat = key.startsWith('sb_publishable_') || key.startsWith('sb_secret_');
  return isNewFormat ? { apikey: key } : { apikey: key, Authorization: `Bearer ${key}` };
}

const SOURCE = 'The edge function';
const badResponse = (cause?: unknown) => unreadable(SOURCE, cause);
const brokenStream = (cause: unknown) => brokeOff(SOURCE, cause);
