import type { TestApp } from './test-app.js';

export type Auth = { Authorization: string };

export interface SendOptions {
  idempotencyKey?: string;
  stream?: boolean;
  signal?: AbortSignal;
}

/** POST /api/chat/send with fetch, so a streamed answer can be read (or abandoned) as it arrives. */
export function send(t: TestApp, auth: Auth, body: unknown, opts: SendOptions = {}): Promise<Response> {
  return fetch(`${t.url}/api/chat/send`, {
    method: 'POST',
    headers: {
      ...auth,
      'Content-Type': 'application/json',
      Accept: opts.stream ? 'text/event-stream' : 'application/json',
      ...(opts.idempotencyKey ? { 'Idempotency-Key': opts.idempotencyKey } : {}),
    },
    body: JSON.stringify(body),
    signal: opts.signal,
  });
}

/** A JSON send: the status and the parsed body. */
export async function sendJson(
  t: TestApp,
  auth: Auth,
  body: unknown,
  opts: Omit<SendOptions, 'stream'> = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any }> {
  const res = await send(t, auth, body, opts);
  return { status: res.status, body: await res.json() };
}

export interface StoredMessage {
  id: string;
  seq: number;
  role: 'system' | 'user' | 'assistant';
  content: string;
  metadata: Record<string, unknown>;
}

/** What the API says is stored: GET /api/chat/sessions/:id, messages oldest first. */
export async function storedMessages(t: TestApp, auth: Auth, sessionId: string): Promise<StoredMessage[]> {
  const res = await fetch(`${t.url}/api/chat/sessions/${sessionId}?limit=100`, { headers: auth });
  if (res.status !== 200) throw new Error(`GET session ${sessionId}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { messages: StoredMessage[] }).messages;
}

/** Straight from the database, for sessions the API would no longer show. */
export async function messagesInDb(t: TestApp, sessionId: string): Promise<StoredMessage[]> {
  const { rows } = await t.db.query<StoredMessage>(
    'select id, seq::int as seq, role, content, metadata from public.chat_messages where session_id = $1 order by seq',
    [sessionId],
  );
  return rows;
}

export async function createSession(t: TestApp, auth: Auth, body: Record<string, unknown> = {}): Promise<string> {
  const res = await fetch(`${t.url}/api/chat/sessions`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`create session: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}
