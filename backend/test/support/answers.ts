import { readSse, type SseItem } from '@pulse/testkit';

export type Auth = { Authorization: string };
type Part = Record<string, unknown> & { type: string };

/** An SSE answer being read as it arrives, which a test can drop mid-way. */
export interface LiveStream {
  status: number;
  /** Which replica answered, from the balancer's X-Served-By header (topology suite). */
  served: string | undefined;
  /** Why the stream broke off, when it did not end normally nor was dropped. */
  error?: unknown;
  /** The body of a refusal (not 200), for messages. */
  refusal?: string;
  items: SseItem[];
  /** Resolves when the stream ended (or was dropped). */
  done: Promise<SseItem[]>;
  sessionId(): string | undefined;
  text(): string;
  lastId(): number;
  parts(): Part[];
  /** Resolves once `check` holds for what has arrived so far. */
  until(check: (s: LiveStream) => boolean, timeoutMs?: number): Promise<void>;
  /** Drops the connection as a flaky network or a page reload would. */
  drop(): void;
}

function eventsOf(items: SseItem[]): Array<{ id: number; part: Part }> {
  return items.flatMap((i) =>
    i.kind === 'event' && i.data !== '[DONE]' ? [{ id: Number(i.id), part: JSON.parse(i.data) as Part }] : [],
  );
}

export const deltasText = (parts: Part[]): string =>
  parts.map((p) => (p.type === 'text-delta' ? String(p.delta) : '')).join('');

function live(res: Response, controller: AbortController): LiveStream {
  const items: SseItem[] = [];
  const waiters = new Set<() => void>();
  let ended = false;
  const wake = () => {
    // A copy: a woken waiter may register the next one while this loop runs.
    for (const w of Array.from(waiters)) w();
  };
  const body = res.body;
  const done = (
    body && res.status === 200
      ? readSse(body, (item) => {
          // Events parsed from the same read may still be handed over after a drop; a dropped client never sees them.
          if (controller.signal.aborted) return;
          items.push(item);
          wake();
        }).catch((err: unknown) => {
          // A connection cut by a dying server: the test looks at what arrived (and resumes).
          if ((err as Error).name !== 'AbortError') s.error = err;
          return items;
        })
      : Promise.resolve(items)
  ).finally(() => {
    ended = true;
    wake();
  });
  const s: LiveStream = {
    status: res.status,
    served: res.headers.get('x-served-by') ?? undefined,
    items,
    done: done.then(() => items),
    sessionId: () => {
      const p = eventsOf(items).find((e) => e.part.type === 'data-session');
      return (p?.part.data as { session_id?: string } | undefined)?.session_id;
    },
    text: () => deltasText(s.parts()),
    lastId: () => eventsOf(items).at(-1)?.id ?? 0,
    parts: () => eventsOf(items).map((e) => e.part),
    until: (check, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(test);
          reject(new Error(`stream condition not met within ${timeoutMs} ms; got ${JSON.stringify(s.parts())}`));
        }, timeoutMs);
        const test = () => {
          if (check(s)) {
            clearTimeout(timer);
            waiters.delete(test);
            resolve();
          } else if (ended) {
            clearTimeout(timer);
            waiters.delete(test);
            reject(new Error(`stream ended before the condition held; got ${JSON.stringify(s.parts())}`));
          }
        };
        waiters.add(test);
        test();
      }),
    drop: () => controller.abort(),
  };
  return s;
}

export const deltaCount = (s: LiveStream): number => s.parts().filter((p) => p.type === 'text-delta').length;

/** POST /api/chat/send with Accept: text/event-stream, read live. */
export function streamSend(
  baseUrl: string,
  auth: Auth,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<LiveStream> {
  return streamPost(baseUrl, '/api/chat/send', auth, body, headers);
}

/** Any answering POST (send, edit, regenerate) with Accept: text/event-stream, read live. */
export async function streamPost(
  baseUrl: string,
  path: string,
  auth: Auth,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<LiveStream> {
  const controller = new AbortController();
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json', Accept: 'text/event-stream', ...headers },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  const s = live(res, controller);
  if (res.status !== 200) s.refusal = await res.text();
  return s;
}

/** GET /api/chat/sessions/:id/stream (with Last-Event-ID when given), read live. */
export async function resumeStream(
  baseUrl: string,
  auth: Auth,
  sessionId: string,
  lastEventId?: number,
): Promise<LiveStream> {
  const controller = new AbortController();
  const res = await fetch(`${baseUrl}/api/chat/sessions/${sessionId}/stream`, {
    headers: { ...auth, ...(lastEventId === undefined ? {} : { 'Last-Event-ID': String(lastEventId) }) },
    signal: controller.signal,
  });
  return live(res, controller);
}

export async function stopAnswer(
  baseUrl: string,
  auth: Auth,
  sessionId: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}/api/chat/sessions/${sessionId}/stop`, { method: 'POST', headers: auth });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

export { eventsOf };
