import type { StreamPart } from './types.js';

/** A send refused over a daily quota (429 QUOTA_EXCEEDED): which one, its limit, when it resets (ISO 8601). */
export interface Quota {
  quota: 'messages' | 'tokens';
  limit: number;
  resets_at: string;
}

/** An API error with the backend's stable code (`TOKEN_EXPIRED`, `RATE_LIMITED`, ...). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds from the Retry-After header of a 429. */
    readonly retryAfter?: number,
    readonly quota?: Quota,
  ) {
    super(message);
  }
}

/** Where requests go and how to authenticate them; implemented by `<pulse-chat>`. */
export interface ApiAuth {
  apiUrl: string;
  resolveToken(refresh?: boolean): Promise<string | null>;
}

/**
 * Sends an authenticated request. A 401 asks the host for a fresh token and retries once;
 * the token only ever travels in the Authorization header.
 */
export async function request(auth: ApiAuth, path: string, init: RequestInit = {}, retried = false): Promise<Response> {
  // A getToken() that throws (its own fetch failed) means signed out too, not a network error.
  const token = await auth.resolveToken(retried).catch(() => null);
  if (!token) throw new ApiError(401, 'NO_TOKEN', 'Not signed in');
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${token}`);
  if (init.body) headers.set('Content-Type', 'application/json');
  const res = await fetch(auth.apiUrl + path, { ...init, headers });
  if (res.status === 401 && !retried) return request(auth, path, init, true);
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as Partial<Quota> & { code?: string; message?: string };
    const wait = Number(res.headers.get('Retry-After'));
    throw new ApiError(
      res.status,
      body.code ?? `HTTP_${res.status}`,
      body.message ?? res.statusText,
      wait > 0 ? wait : undefined,
      body.code === 'QUOTA_EXCEEDED' ? (body as Quota) : undefined,
    );
  }
  return res;
}

export async function json<T>(auth: ApiAuth, path: string, method = 'GET', body?: unknown): Promise<T> {
  const res = await request(auth, path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/**
 * Hands every complete Server-Sent Event in `text` to `onPart` and returns the unfinished rest.
 * Hand-written because eventsource-parser (1.5 KB brotli) pushed the total past the 25 KB
 * budget; the backend only sends `id:`, `data:` and `:` comment lines, which this covers
 * (CRLF or LF line ends, multi-line data joined with a newline, as the SSE spec says).
 */
function feed(text: string, onPart: (part: StreamPart, id?: string) => void): string {
  // A CR at the very end may be the first half of a CRLF split across chunks: keep it raw.
  const tail = text.endsWith('\r') ? '\r' : '';
  const events = text
    .slice(0, text.length - tail.length)
    .replace(/\r\n?/g, '\n')
    .split('\n\n');
  const rest = events.pop()! + tail;
  for (const event of events) {
    const lines = event.split('\n');
    const data = lines
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(line[5] === ' ' ? 6 : 5))
      .join('\n');
    const id = lines
      .find((line) => line.startsWith('id:'))
      ?.slice(3)
      .trim();
    if (data && data !== '[DONE]') onPart(JSON.parse(data) as StreamPart, id);
  }
  return rest;
}

/**
 * Reads an answer's stream, a send's or a resume's (GET /api/chat/sessions/{id}/stream), handing
 * each part and its event id to `onPart` until `[DONE]` or the body ends. False when the server
 * had nothing in flight to resume (204).
 */
export async function streamAnswer(
  auth: ApiAuth,
  path: string,
  init: RequestInit,
  onPart: (part: StreamPart, id?: string) => void,
): Promise<boolean> {
  const res = await request(auth, path, init);
  if (res.status === 204) return false;
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return true;
      buffer = feed(buffer + value, onPart);
    }
  } catch (e) {
    // A data-error part or an abort: stop reading so the connection is released.
    void reader.cancel().catch(() => {});
    throw e;
  }
}
