// Pulse's chat Edge Function: forwards a conversation (and the tools the model may call) to an
// OpenAI-compatible Chat Completions API and answers `{ response }` (with `tool_calls` when the
// model called tools) as JSON, or passes the SSE stream through unchanged when the client asks
// for one: every chunk's JSON as the upstream wrote it, `delta.tool_calls` included.
import { corsHeaders } from '../_shared/cors.ts';
import { readSseData } from '../_shared/sse.ts';
import { type ToolCall, validateToolCalls } from './tools.ts';
import { type ChatRequest, validateChatRequest, withSystemPrompt } from './validate.ts';

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
const DEFAULT_MODEL = 'gpt-4o-mini';
const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_ERROR_MESSAGE_CHARS = 500;

interface UpstreamConfig {
  apiKey: string | undefined;
  baseUrl: string;
  model: string;
  timeoutMs: number;
}

/** A failure that maps to one HTTP answer of this function. */
class ChatFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...corsHeaders, 'Content-Type': 'application/json', ...headers },
  });
}

function failureResponse(failure: ChatFailure, headers: Record<string, string> = {}): Response {
  return json(failure.status, { error: failure.message, code: failure.code, ...failure.extra }, headers);
}

// Read per request so a secret change (or a test) takes effect without a restart.
function readConfig(): UpstreamConfig | null {
  const apiKey = Deno.env.get('OPENAI_API_KEY') || undefined;
  const baseUrl = Deno.env.get('OPENAI_BASE_URL') || undefined;
  // A base URL alone is enough: local OpenAI-compatible servers often need no key.
  if (apiKey === undefined && baseUrl === undefined) return null;
  const timeoutMs = Number(Deno.env.get('UPSTREAM_TIMEOUT_MS'));
  return {
    apiKey,
    baseUrl: (baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, ''),
    model: Deno.env.get('OPENAI_MODEL') || DEFAULT_MODEL,
    timeoutMs: Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : DEFAULT_TIMEOUT_MS,
  };
}

/**
 * One abort signal for the upstream call, fired by the client going away or by
 * the timeout; `touch()` restarts the timeout so a stream only fails when idle.
 */
class UpstreamDeadline {
  readonly controller = new AbortController();
  timedOut = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #onClientAbort = () => this.controller.abort(new DOMException('Client went away', 'AbortError'));

  constructor(
    private readonly clientSignal: AbortSignal,
    private readonly timeoutMs: number,
  ) {
    if (clientSignal.aborted) this.#onClientAbort();
    clientSignal.addEventListener('abort', this.#onClientAbort, { once: true });
    this.touch();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get clientGone(): boolean {
    return this.clientSignal.aborted;
  }

  touch(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new DOMException('Upstream timed out', 'TimeoutError'));
    }, this.timeoutMs);
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.clientSignal.removeEventListener('abort', this.#onClientAbort);
  }

  /** Turns an error thrown while talking to the upstream into this function's answer. */
  failureFor(error: unknown, config: UpstreamConfig): ChatFailure {
    if (error instanceof ChatFailure) return error;
    if (this.timedOut) {
      return new ChatFailure(504, 'UPSTREAM_TIMEOUT', `Upstream did not answer within ${config.timeoutMs} ms`);
    }
    if (this.clientGone) return new ChatFailure(499, 'CLIENT_CLOSED_REQUEST', 'Client closed the request');
    return new ChatFailure(502, 'UPSTREAM_UNREACHABLE', 'Could not reach the upstream model API');
  }
}

function upstreamPayload(request: ChatRequest, config: UpstreamConfig, stream: boolean) {
  return {
    model: config.model,
    messages: withSystemPrompt(request.messages, request.system_prompt),
    ...(request.temperature !== undefined && { temperature: request.temperature }),
    ...(request.max_tokens !== undefined && { max_tokens: request.max_tokens }),
    ...(request.tools !== undefined && { tools: request.tools }),
    ...(request.tool_choice !== undefined && { tool_choice: request.tool_choice }),
    ...(stream && { stream: true, stream_options: { include_usage: true } }),
  };
}

async function callUpstream(
  request: ChatRequest,
  config: UpstreamConfig,
  deadline: UpstreamDeadline,
  stream: boolean,
): Promise<Response> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Accept: stream ? 'text/event-stream' : 'application/json',
  };
  if (config.apiKey !== undefined) headers.Authorization = `Bearer ${config.apiKey}`;

  const response = await fetch(`${config.baseUrl}/chat/completions`, {
    method: 'POST',
    headers,
    body: JSON.stringify(upstreamPayload(request, config, stream)),
    signal: deadline.signal,
  });
  if (!response.ok) {
    const text = await response.text();
    throw new ChatFailure(502, 'UPSTREAM_ERROR', upstreamErrorMessage(response.status, text), {
      upstream_status: response.status,
    });
  }
  return response;
}

function upstreamErrorMessage(status: number, text: string): string {
  let detail: unknown;
  try {
    detail = (JSON.parse(text) as { error?: { message?: unknown } })?.error?.message;
  } catch {
    // Not JSON (a proxy's HTML page, say): the status alone has to do.
  }
  const suffix = typeof detail === 'string' && detail !== '' ? `: ${detail}` : '';
  return `Upstream answered ${status}${suffix}`.slice(0, MAX_ERROR_MESSAGE_CHARS);
}

const badResponse = (message: string) => new ChatFailure(502, 'UPSTREAM_BAD_RESPONSE', message);

async function completeChat(request: ChatRequest, config: UpstreamConfig, deadline: UpstreamDeadline) {
  const upstream = await callUpstream(request, config, deadline, false);
  const text = await upstream.text();
  let body: {
    model?: unknown;
    usage?: { prompt_tokens?: unknown; completion_tokens?: unknown; total_tokens?: unknown } | null;
    choices?: { message?: { content?: unknown; refusal?: unknown; tool_calls?: unknown }; finish_reason?: unknown }[];
  };
  try {
    body = JSON.parse(text);
  } catch {
    throw badResponse('Upstream answer was not valid JSON');
  }
  const choice = Array.isArray(body?.choices) ? body.choices[0] : undefined;
  const toolCalls = answerToolCalls(choice?.message?.tool_calls);
  // A refusal is still an answer the user should see; a turn that only calls tools has no text.
  const content =
    typeof choice?.message?.content === 'string'
      ? choice.message.content
      : (choice?.message?.refusal ?? (toolCalls ? '' : undefined));
  if (typeof content !== 'string') throw badResponse('Upstream answer held no message content');

  const usage = body.usage;
  const hasUsage =
    typeof usage?.prompt_tokens === 'number' &&
    typeof usage?.completion_tokens === 'number' &&
    typeof usage?.total_tokens === 'number';
  return json(200, {
    response: content,
    model: typeof body.model === 'string' ? body.model : config.model,
    usage: hasUsage
      ? {
          prompt_tokens: usage!.prompt_tokens,
          completion_tokens: usage!.completion_tokens,
          total_tokens: usage!.total_tokens,
        }
      : null,
    finish_reason: typeof choice?.finish_reason === 'string' ? choice.finish_reason : null,
    ...(toolCalls && { tool_calls: toolCalls }),
  });
}

/** The calls of a JSON answer in the shape the upstream wrote them; none, or unreadable: a bad answer. */
function answerToolCalls(calls: unknown): ToolCall[] | undefined {
  if (calls === undefined || calls === null || (Array.isArray(calls) && calls.length === 0)) return undefined;
  const checked = validateToolCalls(calls, 'tool_calls');
  if (!checked.ok) throw badResponse(`Upstream answer held unreadable tool calls: ${checked.error}`);
  return checked.value;
}

const encoder = new TextEncoder();
const sseEvent = (data: string) => encoder.encode(`data: ${data}\n\n`);
// Once the 200 is sent, failures travel in-band in the shape OpenAI itself uses mid-stream.
const sseError = (code: string, message: string) =>
  sseEvent(JSON.stringify({ error: { message, type: 'upstream_error', code } }));

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

async function streamChat(request: ChatRequest, config: UpstreamConfig, deadline: UpstreamDeadline) {
  const upstream = await callUpstream(request, config, deadline, true);
  const contentType = upstream.headers.get('content-type') ?? '';
  if (!contentType.includes('text/event-stream') || upstream.body === null) {
    await upstream.body?.cancel();
    throw badResponse('Upstream did not answer with an event stream');
  }
  const events = readSseData(upstream.body);

  // The first event is read before answering, so a broken upstream still gets a proper 502.
  const first = await events.next();
  if (first.done) throw badResponse('Upstream event stream was empty');
  if (first.value !== '[DONE]') {
    if (!isJson(first.value)) {
      await events.return(undefined);
      throw badResponse('Upstream event stream held invalid JSON');
    }
    const error = (JSON.parse(first.value) as { error?: { message?: unknown } })?.error;
    if (error) {
      await events.return(undefined);
      throw new ChatFailure(502, 'UPSTREAM_ERROR', upstreamErrorMessage(upstream.status, first.value), {
        upstream_status: upstream.status,
      });
    }
  }
  deadline.touch();

  let pending: string | undefined = first.value;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const data = pending ?? (await nextEvent());
        pending = undefined;
        if (data === undefined) {
          controller.enqueue(sseError('UPSTREAM_BAD_RESPONSE', 'Upstream stream ended before [DONE]'));
          return finish(controller);
        }
        deadline.touch();
        if (data === '[DONE]') {
          controller.enqueue(sseEvent('[DONE]'));
          return finish(controller);
        }
        if (!isJson(data)) {
          controller.enqueue(sseError('UPSTREAM_BAD_RESPONSE', 'Upstream event stream held invalid JSON'));
          await events.return(undefined);
          return finish(controller);
        }
        controller.enqueue(sseEvent(data));
      } catch (error) {
        if (deadline.clientGone) return finish(controller);
        const failure = deadline.failureFor(error, config);
        const code = failure.code === 'UPSTREAM_TIMEOUT' ? failure.code : 'UPSTREAM_BAD_RESPONSE';
        const message = failure.code === 'UPSTREAM_TIMEOUT' ? failure.message : 'Upstream stream broke off';
        controller.enqueue(sseError(code, message));
        finish(controller);
      }
    },
    async cancel() {
      // The client went away: stop paying for tokens nobody reads.
      deadline.controller.abort(new DOMException('Client went away', 'AbortError'));
      deadline.dispose();
      await events.return(undefined).catch(() => {});
    },
  });

  async function nextEvent(): Promise<string | undefined> {
    const next = await events.next();
    return next.done ? undefined : next.value;
  }

  function finish(controller: ReadableStreamDefaultController<Uint8Array>) {
    deadline.dispose();
    controller.close();
  }

  return new Response(body, {
    status: 200,
    headers: {
      ...corsHeaders,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      'X-Accel-Buffering': 'no',
    },
  });
}

function wantsStream(req: Request, request: ChatRequest): boolean {
  return request.stream === true || (req.headers.get('accept') ?? '').includes('text/event-stream');
}

export async function handleChat(req: Request): Promise<Response> {
  if (req.method === 'OPTIONS') return new Response('ok', { headers: corsHeaders });
  if (req.method !== 'POST') {
    return failureResponse(new ChatFailure(405, 'METHOD_NOT_ALLOWED', `Method ${req.method} is not allowed`), {
      Allow: 'POST, OPTIONS',
    });
  }

  let body: unknown;
  try {
    body = await req.json();
  } catch {
    return failureResponse(new ChatFailure(400, 'INVALID_REQUEST', 'Request body must be valid JSON'));
  }
  const parsed = validateChatRequest(body);
  if (!parsed.ok) return failureResponse(new ChatFailure(400, 'INVALID_REQUEST', parsed.error));

  const config = readConfig();
  if (config === null) {
    return failureResponse(
      new ChatFailure(500, 'NOT_CONFIGURED', 'Set the OPENAI_API_KEY secret (or OPENAI_BASE_URL) for this function'),
    );
  }

  const streaming = wantsStream(req, parsed.value);
  const deadline = new UpstreamDeadline(req.signal, config.timeoutMs);
  try {
    // A streamed answer owns the deadline until its body finishes.
    return streaming
      ? await streamChat(parsed.value, config, deadline)
      : await completeChat(parsed.value, config, deadline).finally(() => deadline.dispose());
  } catch (error) {
    deadline.dispose();
    const failure = deadline.failureFor(error, config);
    if (failure.code === 'UPSTREAM_UNREACHABLE') {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      console.error(`chat: upstream unreachable: ${cause}`);
    }
    return failureResponse(failure);
  }
}

if (import.meta.main) {
  // Deno.serve alone listens on 8000; PORT (0 = any free port) lets tests run several at once.
  const port = Deno.env.get('PORT');
  Deno.serve(port ? { port: Number(port) } : {}, handleChat);
}
