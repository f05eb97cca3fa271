import type { Response } from 'express';

/** The AI SDK's UI message stream (v1) headers: `useChat`'s DefaultChatTransport reads this. */
const UI_MESSAGE_STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
  'x-vercel-ai-ui-message-stream': 'v1',
} as const;

export type UiFinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'interrupted' | 'other';

/** Maps an OpenAI-style finish_reason onto the AI SDK's enum. */
export function toUiFinishReason(reason: string): UiFinishReason {
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
 * (so a client knows where it stopped), JSON parts, heartbeat comments, `[DONE]`.
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

  write(part: Record<string, unknown>): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    this.eventId += 1;
    this.res.write(`id: ${this.eventId}\ndata: ${JSON.stringify(part)}\n\n`);
  }

  end(): void {
    clearInterval(this.heartbeat);
    if (this.res.writableEnded || this.res.destroyed) return;
    this.res.end('data: [DONE]\n\n');
  }

  dispose(): void {
    clearInterval(this.heartbeat);
  }
}
