import type { Response } from 'express';
import type { ErrorBody } from '../common/http-error.filter.js';
import type { PreparedSend } from './chat.service.js';
import type { SendResultDto } from './dto/send-result.dto.js';

/** The AI SDK's UI message stream (v1) headers: `useChat`'s DefaultChatTransport reads this. */
const UI_MESSAGE_STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
  'x-vercel-ai-ui-message-stream': 'v1',
} as const;

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
 */
export class UiMessageStream {
  private eventId = 0;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly res: Response,
    private readonly heartbeatMs: number,
  ) {}

  get opened(): boolean {
    return this.res.headersSent;
  }

  open(): void {
    this.res.status(200);
    for (const [name, value] of Object.entries(UI_MESSAGE_STREAM_HEADERS)) this.res.setHeader(name, value);
    // Each delta must leave at once, not wait for Nagle to batch it with the next.
    this.res.socket?.setNoDelay(true);
    // The headers and the parts written in this same tick (start, session, text-start)
    // leave as one packet instead of one syscall each.
    const socket = this.res.socket;
    socket?.cork();
    process.nextTick(() => socket?.uncork());
    this.res.flushHeaders();
    this.heartbeat = setInterval(() => this.res.write(': ping\n\n'), this.heartbeatMs);
    this.heartbeat.unref();
  }

  /**
   * Sees every event with its id, also after the client went away (the resume buffer). When it
   * returns a promise, the event goes to the client only once that settles, so a client never
   * holds an event the buffer lacks (a resume after a crash would number them twice).
   */
  onEvent?: (id: number, part: Record<string, unknown> & { type: string }) => Promise<unknown> | void;
  private pending?: Promise<void>;

  write(part: Record<string, unknown> & { type: string }): void {
    const id = ++this.eventId;
    const buffered = this.onEvent?.(id, part);
    if (!buffered && !this.pending) {
      this.writeEvent(id, part);
      return;
    }
    // Redis answers in order, so chaining keeps the events in order too.
    this.pending = Promise.all([this.pending, buffered?.catch(() => undefined)]).then(() => this.writeEvent(id, part));
  }

  /** An event with the id it was first written under (a resumed stream keeps the numbering). */
  writeEvent(id: number, part: Record<string, unknown>): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    this.res.write(`id: ${id}\ndata: ${JSON.stringify(part)}\n\n`);
  }

  /** Ends the stream once every event written before has gone out. */
  async end(): Promise<void> {
    await this.pending;
    clearInterval(this.heartbeat);
    if (this.res.writableEnded || this.res.destroyed) return;
    this.res.end('data: [DONE]\n\n');
  }

  dispose(): void {
    clearInterval(this.heartbeat);
  }

  /** The id of the one text part; set by `begin`, used by every part after it. */
  private textId = '';
  /**
   * Whether `text-start` went out. It waits for the first delta: a stream that fails before any
   * text must not leave AI SDK clients an empty text part (useChat would render a blank bubble).
   */
  private textStarted = false;

  /** Opens the stream for an answer: start and the session it belongs to; the text opens with its first delta. */
  begin(prepared: PreparedSend): void {
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

  /** Closes the text, says how the answer ended, and ends the stream. */
  async finish(result: SendResultDto): Promise<void> {
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
