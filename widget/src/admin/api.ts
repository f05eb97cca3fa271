import type { AdminToken } from './types.js';

/** A refusal from the API, with its stable code (`ADMIN_REQUIRED`, `TOKEN_EXPIRED`, ...). */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The admin API, same origin (the page is served by the API at /admin/). The token lives in this
 * object only, never in localStorage or sessionStorage: a reload or a closed tab signs out, and
 * nothing on the disk outlives the token's few minutes.
 */
export class AdminApi {
  #token: string | null = null;
  /** The API's root: the page's parent path, so a server behind a path prefix works too. */
  readonly #base = new URL('../', location.href);

  constructor(
    /** Called when the API no longer takes the token (expired, or the key changed). */
    private readonly onSignedOut: (error: AdminApiError) => void,
  ) {}

  get signedIn(): boolean {
    return this.#token !== null;
  }

  /** Exchanges PULSE_ADMIN_KEY for a short-lived admin token. */
  async signInWithKey(key: string): Promise<AdminToken> {
    const token = await this.#call<AdminToken>('POST', 'api/admin/token', { key }, false);
    this.#token = token.token;
    return token;
  }

  /** Uses a host identity provider's JWT (it needs the pulse_admin role); the first call tells whether it does. */
  useToken(token: string): void {
    this.#token = token;
  }

  signOut(): void {
    this.#token = null;
  }

  get<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
    const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => !!e[1]));
    return this.#call<T>('GET', params.size ? `${path}?${params}` : path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.#call<T>('POST', path, body);
  }

  async #call<T>(method: string, path: string, body?: unknown, authed = true): Promise<T> {
    const headers = new Headers({ Accept: 'application/json' });
    if (authed && this.#token) headers.set('Authorization', `Bearer ${this.#token}`);
    if (body !== undefined) headers.set('Content-Type', 'application/json');
    let res: Response;
    try {
      res = await fetch(new URL(path, this.#base), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
      });
    } catch {
      throw new AdminApiError(0, 'NETWORK_ERROR', 'The server could not be reached.');
    }
    if (res.ok) return (res.status === 204 ? undefined : await res.json()) as T;
    const err = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
    const error = new AdminApiError(res.status, err.code ?? `HTTP_${res.status}`, err.message ?? res.statusText);
    if (authed && res.status === 401) {
      this.#token = null;
      this.onSignedOut(error);
    }
    throw error;
  }
}

/** What an admin reads for a refusal: our words for the codes the dashboard meets, else the server's message. */
export function describeError(e: unknown): string {
  if (!(e instanceof AdminApiError)) return 'Something went wrong. Try again.';
  switch (e.code) {
    case 'ADMIN_KEY_INVALID':
      return 'That admin key is wrong.';
    case 'NOT_FOUND':
      return e.message.includes('PULSE_ADMIN_KEY')
        ? 'Signing in with a key is off on this server (PULSE_ADMIN_KEY is not set). Paste a token with the pulse_admin role instead.'
        : 'Not found on this server.';
    case 'ADMIN_REQUIRED':
      return 'This token is not an admin’s: it was accepted as a visitor’s, and visitors cannot see the dashboard. Use the admin key, or a token whose role is pulse_admin.';
    case 'TOKEN_EXPIRED':
      return 'Your sign-in has expired. Sign in again.';
    case 'UNAUTHORIZED':
    case 'TOKEN_MALFORMED':
    case 'TOKEN_WITHOUT_EXPIRY':
      return 'This server did not accept that token. Sign in again.';
    case 'TOO_MANY_AUTH_FAILURES':
      return 'Too many failed sign-ins from this address. Wait a minute and try again.';
    case 'CONVERSATIONS_HIDDEN':
      return 'Conversations are not shown on this server (ADMIN_CAN_READ_CONVERSATIONS is off).';
    case 'NETWORK_ERROR':
      return 'The server could not be reached.';
    default:
      return e.message || `The server answered ${e.status}.`;
  }
}
