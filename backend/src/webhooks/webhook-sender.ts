import type { SignedRequest } from './webhook-signature.js';

/** What a receiver made of one POST. */
export type SendResult =
  | { ok: true; status: number; durationMs: number }
  | { ok: false; status: number | null; error: string; durationMs: number; interrupted: boolean };

/** The most of a receiver's error answer kept in the delivery log. */
const ERROR_BODY_CHARS = 300;

/**
 * POSTs one signed event. A 2xx is success; any other answer, a refused connection or no answer
 * within `timeoutMs` is a failure to retry. Redirects are not followed (a receiver moved is a
 * configuration to fix, and following one would re-send the signed body elsewhere). `stop`
 * aborts the attempt (shutdown): reported as interrupted, not as the receiver's failure.
 */
export async function sendSigned(
  url: string,
  request: SignedRequest,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.any([timeout, stop]),
    });
    if (res.status >= 200 && res.status < 300) {
      await res.body?.cancel().catch(() => undefined);
      return { ok: true, status: res.status, durationMs: elapsed() };
    }
    const text = await res.text().catch(() => '');
    const detail = text.trim().slice(0, ERROR_BODY_CHARS);
    return {
      ok: false,
      status: res.status,
      error: `HTTP ${res.status}${detail ? `: ${detail}` : ''}`,
      durationMs: elapsed(),
      interrupted: false,
    };
  } catch (err) {
    const interrupted = stop.aborted;
    const error = interrupted
      ? 'interrupted: this Pulse replica shut down during the attempt'
      : timeout.aborted
        ? `timed out after ${timeoutMs} ms`
        : describe(err);
    return { ok: false, status: null, error, durationMs: elapsed(), interrupted };
  }
}

/** fetch's "fetch failed" says nothing: the cause (ECONNREFUSED, ENOTFOUND...) does. */
function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return (cause ? `${e.message ?? 'request failed'}: ${cause}` : (e.message ?? String(err))).slice(0, ERROR_BODY_CHARS);
}
