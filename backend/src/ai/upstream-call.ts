import { AiProviderError } from './ai-provider.js';
import { relayedErrorCode, shortErrorReason } from './chat-completions-stream.js';

/**
 * The lifetime of one upstream request. Its signal goes to the request, so one abort covers
 * every way the call can end early: the caller's signal (the client went away), the
 * upstream staying silent longer than timeoutMs, or the consumer no longer reading.
 * The abort reason is the AiProviderError to report, so every failure of the fetch or of a
 * body read can be mapped back to the real cause through `failure()`.
 */
export class UpstreamCall {
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly callerSignal: AbortSignal,
    private readonly timeoutMs: number,
  ) {
    if (callerSignal.aborted) this.onCallerAbort();
    else callerSignal.addEventListener('abort', this.onCallerAbort, { once: true });
    this.touch();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The upstream showed signs of life: restart the idle clock. */
  touch(): void {
    if (this.controller.signal.aborted) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.controller.abort(
        new AiProviderError(
          'UPSTREAM_TIMEOUT',
          `The AI provider did not answer within ${formatSeconds(this.timeoutMs)}.`,
        ),
      );
    }, this.timeoutMs);
    this.timer.unref();
  }

  /** Why this call was aborted, when it was. */
  get abortReason(): AiProviderError | undefined {
    const reason: unknown = this.controller.signal.reason;
    return this.controller.signal.aborted && reason instanceof AiProviderError ? reason : undefined;
  }

  /** The error to throw for `error`: our own abort reason wins over whatever fetch made of it. */
  failure(error: unknown, otherwise: (error: unknown) => AiProviderError): AiProviderError {
    if (this.abortReason) return this.abortReason;
    if (error instanceof AiProviderError) return error;
    return otherwise(error);
  }

  private completed = false;

  /** The answer was read to its end: end() then has nothing to release (and builds no error for it). */
  complete(): void {
    this.completed = true;
  }

  /** Always called when the consumer is done; releases the connection if it is still open. */
  end(): void {
    clearTimeout(this.timer);
    this.callerSignal.removeEventListener('abort', this.onCallerAbort);
    if (!this.controller.signal.aborted && !this.completed) {
      this.controller.abort(new AiProviderError('UPSTREAM_ABORTED', 'The answer was no longer needed.'));
    }
  }

  private readonly onCallerAbort = (): void => {
    clearTimeout(this.timer);
    this.controller.abort(new AiProviderError('UPSTREAM_ABORTED', 'The request was cancelled.'));
  };
}

/**
 * An HTTP error answer, as UPSTREAM_ERROR unless it relays one of our codes. The user sees the status and at most a short
 * code (`invalid_api_key`); the upstream's full body stays in `cause` for the logs.
 */
export async function httpError(
  response: { status: number; text(): Promise<string> },
  call: UpstreamCall,
): Promise<AiProviderError> {
  let body: unknown;
  try {
    const text = await response.text();
    try {
      body = JSON.parse(text);
    } catch {
      body = text.slice(0, 500);
    }
  } catch {
    // Without the body the status is still worth reporting, unless the read failed because we aborted.
    if (call.abortReason) return call.abortReason;
  }
  const reason = shortErrorReason(body);
  return new AiProviderError(
    relayedErrorCode(reason),
    `The AI provider answered HTTP ${response.status}${reason ? ` (${reason})` : ''}.`,
    response.status,
    { cause: body },
  );
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
