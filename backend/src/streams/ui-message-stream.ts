import type { Response } from 'express';
import type { ErrorBody } from '../common/http-error.filter.js';
import type { InFlightAnswer, UiPart } from './live-answers.js';

/** The AI SDK's UI message stream (v1) headers: `useChat`'s DefaultChatTransport reads this. */
const UI_MESSAGE_STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-store, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
  'x-vercel-ai-ui-message-stream': 'v1',
} as const;

/** What a stream opens with: the answer's id and the session it belongs to (a send's ids once its question is stored). */
export interface StreamOpening {
  session_id: string;
  title: string;
  created_session: boolean;
  user_message_id: string;
  assistant_message_id: string;
}

/** How an answer ended, as its `data-message` part says (a send's result). */
export interface StreamEnding {
  assistant_message_id: string;
  finish_reason: string;
  interrupted: boolean;
  usage: unknown;
  provider: string;
  model: string;
  replayed: boolean;
  /** The page's tools the model called, when it did: the answer waits for their results. */
  tool_calls?: unknown[];
  awaiting_tool_results?: boolean;
}

/** A call of the page's tool as a stream shows it (tools/tool-calls.ts StoredToolCall). */
export interface StreamToolCall {
  id: string;
  name: string;
  input: unknown;
  state: string;
  output?: unknown;
  error?: string;
}

type UiFinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'interrupted' | 'other';

/** Maps an OpenAI-style finish_reason onto the AI SDK's enum. */
function toUiFinishReason(reason: string): UiFinishReason {
  switch (reason) {
    case 'stop':
    case 'length':
    case 'interrupted':
      return reason;
    case 'content_filter':
      return 'content-filter';
    case 'tool_calls':
      return 'tool-calls';
    default:
      return 'other';
  }
}

/**
 * Writes Server-Sent Events in the UI message stream protocol: numbered `id:` lines
 * (1, 2, 3... per answer, so a client resumes after the last it saw with Last-Event-ID),
 * JSON parts, heartbeat comments, `[DONE]`.
 *
 * Events are gathered and written in batches: a socket write that wakes the reader costs far
 * more than the bytes (about 0.15 ms of CPU each on this project's VM, bench/HISTORY.md), and a
 * model sends a token every 10-30 ms per stream. Every event leaves within the same turn of the
 * event loop, except text deltas after the first, which wait for the next tick of a clock shared
 * by every stream of the process (every `flushMs`). The first delta (the first token) never
 * waits. The shared clock makes the streams' batches fall in the same turn, so the resume
 * buffer in Redis gets one pipelined write for all of them.
 */
export class UiMessageStream {
  private eventId = 0;
  private heartbeat?: NodeJS.Timeout;
  private isOpen = false;
  /** Events not yet written; `fresh` ones are not in the resume buffer yet either. */
  private queue: Array<{ id: number; part: UiPart; fresh: boolean }> = [];
  /** The batch due this turn, or later (a delta waiting out `flushMs`). */
  private now?: NodeJS.Immediate;
  private later?: NodeJS.Timeout;
  private deltasQueued = 0;
  /** Settles once every batch taken so far is buffered and written, in order. */
  private pending?: Promise<void>;
  /**
   * The resume buffer of the answer this stream writes (see `begin`): it gets every event with its
   * id, also after the client went away, a batch at a time in one turn (the Redis buffer sends
   * each turn's events in one pipeline). When its append returns a promise, the batch goes to the
   * client only once that settles, so a client never holds an event the buffer lacks (a resume
   * after a crash would number them twice).
   */
  private buffer?: Pick<InFlightAnswer, 'append'>;

  constructor(
    private readonly res: Response,
    private readonly heartbeatMs: number,
    private readonly flushMs = 0,
  ) {}

  get opened(): boolean {
    return this.isOpen;
  }

  open(): void {
    this.isOpen = true;
    this.res.status(200);
    for (const [name, value] of Object.entries(UI_MESSAGE_STREAM_HEADERS)) this.res.setHeader(name, value);
    // Each batch must leave at once, not wait for Nagle to join it to the next.
    this.res.socket?.setNoDelay(true);
    // The headers go out with the first batch (start, session), in one write, this same turn.
    this.schedule(true);
    this.heartbeat = setInterval(() => {
      // After the batches before it, never inside one.
      if (this.pending) this.pending = this.pending.then(() => this.send(': ping\n\n'));
      else this.send(': ping\n\n');
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  write(part: UiPart): void {
    this.enqueue(++this.eventId, part, true);
  }

  /** An event already in the resume buffer, with the id it was first written under (a resumed stream keeps the numbering). */
  writeEvent(id: number, part: UiPart): void {
    this.enqueue(id, part, false);
  }

  private enqueue(id: number, part: UiPart, fresh: boolean): void {
    this.queue.push({ id, part, fresh });
    // Deltas after the first may wait for the next batch; anything else takes the batch with it now.
    this.schedule(part.type !== 'text-delta' || this.deltasQueued++ === 0);
  }

  private schedule(urgent: boolean): void {
    if (this.now) return;
    const at = performance.now();
    const wait = urgent || this.flushMs === 0 ? 0 : (Math.floor(at / this.flushMs) + 1) * this.flushMs - at;
    if (wait > 0) {
      this.later ??= setTimeout(this.flush, wait);
      return;
    }
    // Due now (an urgent event brings a waiting batch forward): still this turn, so the
    // events written together in it (text-start and the first delta, say) leave as one.
    this.cancelFlush();
    this.now = setImmediate(this.flush);
  }

  /**
   * Takes the queued events as one batch: into the resume buffer, then (once it holds them) to
   * the client; `last` ends the response with that batch and `[DONE]`, in one write.
   */
  private readonly flush = (last = false): void => {
    this.cancelFlush();
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0 && !last) {
      if (!this.res.headersSent && !this.res.destroyed) this.res.flushHeaders();
      return;
    }
    const stored: Array<Promise<unknown>> = [];
    for (const { id, part, fresh } of batch) {
      const buffered = fresh ? this.buffer?.append(id, part) : undefined;
      if (buffered) stored.push(buffered.catch(() => undefined));
    }
    const text =
      batch.map(({ id, part }) => `id: ${id}\ndata: ${JSON.stringify(part)}\n\n`).join('') +
      (last ? 'data: [DONE]\n\n' : '');
    if (stored.length === 0 && !this.pending) {
      this.send(text, last);
      return;
    }
    // Redis answers in order, so chaining keeps the batches in order too.
    this.pending = Promise.all([this.pending, ...stored]).then(() => this.send(text, last));
  };

  private send(text: string, last = false): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    if (last) this.res.end(text);
    else this.res.write(text);
  }

  private cancelFlush(): void {
    clearImmediate(this.now);
    clearTimeout(this.later);
    this.now = undefined;
    this.later = undefined;
  }

  /** Ends the stream once every event written before has gone out. */
  async end(): Promise<void> {
    clearInterval(this.heartbeat);
    this.flush(true);
    await this.pending;
  }

  dispose(): void {
    clearInterval(this.heartbeat);
    // What was gathered is still buffered and written (a stream left open is resumed or cut by its owner).
    if (this.queue.length > 0) this.flush();
    this.cancelFlush();
  }

  /** The id of the one text part; set by `begin`, used by every part after it. */
  private textId = '';
  /**
   * Whether `text-start` went out. It waits for the first delta: a stream that fails before any
   * text must not leave AI SDK clients an empty text part (useChat would render a blank bubble).
   */
  private textStarted = false;

  /**
   * Opens the stream for an answer: start and the session it belongs to; the text opens with its
   * first delta. With `buffer`, every event from here on is also kept there for resumes.
   */
  begin(prepared: StreamOpening, buffer?: Pick<InFlightAnswer, 'append'>): void {
    this.buffer = buffer;
    this.textId = `text-${prepared.assistant_message_id}`;
    this.textStarted = false;
    this.open();
    this.write({ type: 'start', messageId: prepared.assistant_message_id });
    this.write({
      type: 'data-session',
      data: {
        session_id: prepared.session_id,
        title: prepared.title,
        created_session: prepared.created_session,
        user_message_id: prepared.user_message_id,
      },
    });
  }

  delta(text: string): void {
    if (!this.textStarted) this.write({ type: 'text-start', id: this.textId });
    this.textStarted = true;
    this.write({ type: 'text-delta', id: this.textId, delta: text });
  }

  /** The files the model was given, as the AI SDK's source-document parts. */
  sources(list: Array<{ source_id: string; media_type: string; title: string; filename: string }>): void {
    for (const s of list) {
      this.write({
        type: 'source-document',
        sourceId: s.source_id,
        mediaType: s.media_type,
        title: s.title,
        filename: s.filename,
      });
    }
  }

  /** The model began calling a page tool; its arguments follow in pieces. */
  toolInputStart(id: string, name: string): void {
    this.endText();
    this.write({ type: 'tool-input-start', toolCallId: id, toolName: name, dynamic: true });
  }

  toolInputDelta(id: string, delta: string): void {
    this.write({ type: 'tool-input-delta', toolCallId: id, inputTextDelta: delta });
  }

  /** The call's arguments, whole and checked: the page runs it, or (refused) answers its error. */
  toolInput(call: StreamToolCall): void {
    if (call.state === 'input-error') {
      this.write({
        type: 'tool-input-error',
        toolCallId: call.id,
        toolName: call.name,
        input: call.input,
        errorText: call.error ?? 'The call could not be used.',
        dynamic: true,
      });
      return;
    }
    this.write({
      type: 'tool-input-available',
      toolCallId: call.id,
      toolName: call.name,
      input: call.input,
      dynamic: true,
    });
  }

  /** What the page answered a call, as the continuation of the answer opens. */
  toolOutput(call: StreamToolCall): void {
    if (call.state === 'output-available') {
      this.write({ type: 'tool-output-available', toolCallId: call.id, output: call.output ?? null, dynamic: true });
    } else if (call.state === 'output-denied') {
      this.write({ type: 'tool-output-denied', toolCallId: call.id });
    } else {
      this.write({
        type: 'tool-output-error',
        toolCallId: call.id,
        errorText: call.error ?? 'The tool failed.',
        dynamic: true,
      });
    }
  }

  /** Closes the text, says how the answer ended, and ends the stream. */
  async finish(result: StreamEnding): Promise<void> {
    this.endText();
    this.write({
      type: 'data-message',
      data: {
        assistant_message_id: result.assistant_message_id,
        finish_reason: result.finish_reason,
        interrupted: result.interrupted,
        usage: result.usage,
        provider: result.provider,
        model: result.model,
        replayed: result.replayed,
        ...(result.tool_calls
          ? { tool_calls: result.tool_calls, awaiting_tool_results: result.awaiting_tool_results }
          : {}),
      },
    });
    this.write({ type: 'finish', finishReason: toUiFinishReason(result.finish_reason) });
    await this.end();
  }

  /** Closes the text part if one was opened. */
  private endText(): void {
    if (this.textStarted) this.write({ type: 'text-end', id: this.textId });
    this.textStarted = false;
  }

  /** An error after the stream opened: any text closes, then `data-error` (our codes) and the SDK's `error`. */
  async fail(body: ErrorBody): Promise<void> {
    this.endText();
    const { code, message, requestId, session_id, user_message_id } = body;
    this.write({ type: 'data-error', data: { code, message, requestId, session_id, user_message_id } });
    this.write({ type: 'error', errorText: body.message });
    await this.end();
  }
}
