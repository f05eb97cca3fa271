import { AppError } from '../../common/app-error.js';

/**
 * The lifetime of one request to a voice server, as UpstreamCall is for the model: the
 * caller's signal, a timeout and the end of the consumer's interest abort one controller,
 * whose reason is the AppError to report.
 */
export class VoiceCall {
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly errors: { timedOut: () => AppError; cancelled: () => AppError },
    private readonly timeoutMs: number,
    private readonly callerSignal?: AbortSignal,
  ) {
    if (callerSignal?.aborted) this.onCallerAbort();
    else callerSignal?.addEventListener('abort', this.onCallerAbort, { once: true });
    this.touch();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The server showed signs of life: restart the clock. */
  touch(): void {
    if (this.controller.signal.aborted) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.controller.abort(this.errors.timedOut()), this.timeoutMs);
    this.timer.unref();
  }

  /** The error to throw for `error`: our own abort reason wins over whatever fetch made of it. */
  failure(error: unknown, otherwise: (error: unknown) => AppError): AppError {
    const reason: unknown = this.controller.signal.reason;
    if (this.controller.signal.aborted && reason instanceof AppError) return reason;
    if (error instanceof AppError) return error;
    return otherwise(error);
  }

  /** Always called when the call is over; aborts whatever of it is still open. */
  end(): void {
    clearTimeout(this.timer);
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
    if (!this.controller.signal.aborted) this.controller.abort(this.errors.cancelled());
  }

  private readonly onCallerAbort = (): void => {
    clearTimeout(this.timer);
    this.controller.abort(this.errors.cancelled());
  };
}

export function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** A network error with the cause undici hides under "fetch failed", for the log. */
export function describeCause(error: unknown): string {
  const { message, cause } = asError(error);
  if (cause === undefined) return message;
  // Node's own errors may come from another realm than this module's Error: read their fields.
  // A refused connection is an AggregateError with an empty message and the code alone.
  const inner = asError(cause);
  return `${message} (${[inner.code, inner.message].filter(Boolean).join(': ')})`;
}

function asError(value: unknown): { message: string; code?: string; cause?: unknown } {
  if (typeof value !== 'object' || value === null) return { message: String(value) };
  const { message, code, cause } = value as { message?: unknown; code?: unknown; cause?: unknown };
  return {
    message: typeof message === 'string' ? message : 'unknown error',
    code: typeof code === 'string' ? code : undefined,
    cause,
  };
}
