import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ApiError, json, type Quota, streamAnswer } from '../../api/client.js';
import type {
  Attachment,
  CallPart,
  Feedback,
  ToolPart,
  List,
  Message,
  Session,
  SessionWithMessages,
} from '../../api/types.js';
import type { ToolDefinition } from '../../tools/registry.js';
import type { Tools } from '../../tools/tools.js';
import type { PulseChat } from '../pulse-chat/pulse-chat.js';

export interface ChatMessage {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  status: 'done' | 'streaming' | 'failed' | 'interrupted';
  created_at: string;
  /** Idempotency-Key of a user message, reused when it is retried. */
  key?: string;
  /** The request that asks this question (send, regenerate or edit): a retry repeats it exactly. */
  req?: { path: string; body: unknown };
  /** The error code of a failed request, Retry-After seconds for RATE_LIMITED, the quota of QUOTA_EXCEEDED. */
  error?: string;
  retryAfter?: number;
  quota?: Quota;
  sibling_ids?: string[];
  sibling_index?: number;
  feedback?: Feedback | null;
  /** A question's files. */
  attachments?: Attachment[];
  /** An answer's sources: the titles of the passages of long files it used ("manual.pdf, page 12"). */
  sources?: string[];
  /** An answer's calls of the host page's tools (the tools chunk makes them into steps). */
  calls?: CallPart[];
}

/** What went wrong, for the user: each kind has its own text and action. */
export type ErrorKind = 'signedOut' | 'rateLimited' | 'quota' | 'unanswered' | 'failed';

export const errorKind = (code = ''): ErrorKind =>
  code === 'NO_TOKEN' || code.startsWith('TOKEN_')
    ? 'signedOut'
    : code === 'RATE_LIMITED'
      ? 'rateLimited'
      : code === 'QUOTA_EXCEEDED'
        ? 'quota'
        : code.startsWith('UPSTREAM_')
          ? 'unanswered'
          : 'failed';

export type AuthState = 'unknown' | 'ok' | 'none';

const uuid = (): string =>
  (crypto as Partial<Crypto>).randomUUID?.() ??
  // randomUUID only exists in secure contexts; a plain-http host page still needs unique keys.
  '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) =>
    (+c ^ (crypto.getRandomValues(new Uint8Array(1))[0]! & (15 >> (+c / 4)))).toString(16),
  );

/** Storage can be disabled (private mode, sandboxed frames); remembering the chat is optional. */
function storage<T>(use: (ls: Storage) => T): T | null {
  try {
    return use(localStorage);
  } catch {
    return null;
  }
}

const fromApi = (m: Message): ChatMessage => ({
  id: m.id,
  role: m.role === 'user' ? 'user' : 'assistant',
  content: m.content,
  status: m.metadata?.interrupted ? 'interrupted' : 'done',
  created_at: m.created_at,
  sibling_ids: m.sibling_ids,
  sibling_index: m.sibling_index,
  feedback: m.feedback,
  attachments: m.attachments,
  sources: m.metadata?.sources?.map((s) => s.title),
  calls: m.metadata?.tool_calls,
});

const path = (...parts: string[]) => '/api/chat/' + parts.map(encodeURIComponent).join('/');

/**
 * The conversation state and every request the panel makes: sessions, history, sending
 * with streaming, stop and retry. The panel only renders what this holds.
 */
export class ConversationController implements ReactiveController {
  messages: ChatMessage[] = [];
  sessionId: string | null = null;
  hasEarlier = false;
  streaming = false;
  auth: AuthState = 'unknown';
  sessions: Session[] = [];
  sessionsMore = false;
  /** Text for the polite live region: finished answers and errors. */
  announcement = '';
  #abort: AbortController | null = null;
  #stopped = false;
  /** The answer waits for the page's tools (or the visitor's Allow / Deny): no stream is open. */
  #inTools = false;
  #rating = Promise.resolve();
  /** Storage key of the user whose chat is shown; undefined until the first token. */
  #userKey: string | null | undefined = undefined;
  #authChecks = 0;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly chat: () => PulseChat,
  ) {
    host.addController(this);
  }

  /** The latest token check, so focus can wait for the input to exist. */
  ready: Promise<void> = Promise.resolve();

  hostConnected(): void {
    void this.checkAuth();
  }

  #update(): void {
    this.host.requestUpdate();
  }

  /** Set by the panel: loads the chunk that runs the page's tools and shows their calls. */
  declare loadTools: () => Promise<Tools>;

  /** The page's tools for a request's body (never their functions); none, no `tools` at all. */
  #tools(): { tools?: ToolDefinition[] } {
    const tools = [...this.chat().tools].map(([name, { description, parameters }]) => ({
      name,
      description,
      parameters,
    }));
    return tools.length ? { tools } : {};
  }

  /** Set by the panel: the text the user reads for an error. */
  describe: (code: string, retryAfter?: number, quota?: Quota) => string = (code) => code;

  #fail(e: unknown): void {
    const code = e instanceof ApiError ? e.code : 'NETWORK_ERROR';
    if (e instanceof ApiError && e.status === 401) this.auth = 'none';
    this.announcement = e instanceof ApiError ? this.describe(code, e.retryAfter, e.quota) : this.describe(code);
    this.chat().emit('pulse-error', { code, message: e instanceof Error ? e.message : String(e) });
    this.#update();
  }

  /**
   * Asks the host for a token. When the signed-in user changes (another JWT `sub`), the previous
   * user's conversation is cleared from view and the new user's remembered chat is restored.
   */
  checkAuth(): Promise<void> {
    return (this.ready = this.#checkAuth());
  }

  async #checkAuth(): Promise<void> {
    // Configuration can change while a getToken() call is pending: only the latest check counts.
    const check = ++this.#authChecks;
    const token = await this.chat()
      .resolveToken()
      .catch(() => null);
    const key = token ? await this.chat().sessionKey() : null;
    if (check !== this.#authChecks) return;
    this.auth = token ? 'ok' : 'none';
    if (token && key !== this.#userKey) {
      const first = this.#userKey === undefined;
      this.#userKey = key;
      if (!first || this.messages.length) {
        this.#detach();
        this.messages = [];
        this.sessions = [];
        this.hasEarlier = false;
        this.sessionId = null;
      }
      this.#update();
      const remembered = key && storage((ls) => ls.getItem(key));
      if (remembered) await this.openSession(remembered, false);
    }
    this.#update();
  }

  async #remember(id: string | null): Promise<void> {
    if (id === this.sessionId) return;
    this.sessionId = id;
    const key = await this.chat().sessionKey();
    if (key) storage((ls) => (id ? ls.setItem(key, id) : ls.removeItem(key)));
    this.chat().emit('pulse-session-change', { sessionId: id });
  }

  #show(s: SessionWithMessages): Promise<void> {
    this.messages = s.messages.filter((m) => m.role !== 'system').map(fromApi);
    this.hasEarlier = s.has_more;
    return this.#remember(s.id);
  }

  async openSession(id: string, reportErrors = true, resume = true): Promise<void> {
    try {
      await this.#show(await json<SessionWithMessages>(this.chat(), path('sessions', id) + '?limit=50'));
      // A question without its answer yet (a reload mid-answer): the answer goes on at the server.
      if (resume && !this.streaming && this.messages.at(-1)?.role === 'user') void this.#run();
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) await this.#remember(null);
      else if (reportErrors) this.#fail(e);
    }
    this.#update();
  }

  async loadEarlier(): Promise<void> {
    const first = this.messages[0];
    if (!this.sessionId || !first) return;
    try {
      const page = await json<List<Message>>(
        this.chat(),
        `/api/chat/sessions/${encodeURIComponent(this.sessionId)}/messages?limit=50&after=${encodeURIComponent(first.id)}&order=desc`,
      );
      this.messages = [
        ...page.data
          .filter((m) => m.role !== 'system')
          .reverse()
          .map(fromApi),
        ...this.messages,
      ];
      this.hasEarlier = page.has_more;
    } catch (e) {
      this.#fail(e);
    }
    this.#update();
  }

  newChat(): void {
    this.#detach();
    this.messages = [];
    this.hasEarlier = false;
    void this.#remember(null);
    this.#update();
  }

  /** The search of the chats list (`?q=`); empty lists every chat. */
  query = '';

  async listSessions(more = false): Promise<void> {
    const after = more && this.sessions.at(-1) ? `&after=${encodeURIComponent(this.sessions.at(-1)!.id)}` : '';
    const q = this.query.trim() ? `&q=${encodeURIComponent(this.query.trim())}` : '';
    const asked = this.query;
    try {
      const page = await json<List<Session>>(
        this.chat(),
        `/api/chat/sessions?limit=20&include_archived=false${q}${after}`,
      );
      // A newer search has been typed meanwhile: its answer is the one to show.
      if (asked !== this.query) return;
      this.sessions = more ? [...this.sessions, ...page.data] : page.data;
      this.sessionsMore = page.has_more;
    } catch (e) {
      this.#fail(e);
    }
    this.#update();
  }

  async renameSession(id: string, title: string): Promise<void> {
    try {
      const updated = await json<Session>(this.chat(), `/api/chat/sessions/${encodeURIComponent(id)}`, 'PUT', {
        title,
      });
      this.sessions = this.sessions.map((s) => (s.id === id ? updated : s));
    } catch (e) {
      this.#fail(e);
    }
    this.#update();
  }

  async deleteSession(id: string): Promise<void> {
    try {
      await json(this.chat(), `/api/chat/sessions/${encodeURIComponent(id)}`, 'DELETE');
      this.sessions = this.sessions.filter((s) => s.id !== id);
      if (id === this.sessionId) this.newChat();
    } catch (e) {
      this.#fail(e);
    }
    this.#update();
  }

  /** Sends a question with the files already uploaded; a voice message alone has no text of its own. */
  async send(text: string, attachments: Attachment[] = []): Promise<void> {
    text = text.trim();
    if ((!text && !attachments.length) || this.streaming || !this.chat().emit('pulse-request-send', { text }, true))
      return;
    // The server stores a voice message's transcript as the question's text: shown so here at once.
    const user = this.#ask(text || (attachments.find((a) => a.transcript)?.transcript ?? ''), '/api/chat/send', {
      message: text,
      session_id: this.sessionId ?? undefined,
      system_prompt: this.chat().systemPrompt,
      ...(attachments.length ? { attachment_ids: attachments.map((a) => a.id) } : {}),
      ...this.#tools(),
    });
    user.attachments = attachments;
    this.messages = [...this.messages, user];
    await this.#run(user);
  }

  #ask(content: string, p: string, body: unknown, id = uuid()): ChatMessage {
    const now = new Date().toISOString();
    return { id, role: 'user', content, status: 'done', created_at: now, key: uuid(), req: { path: p, body } };
  }

  /** A new answer to the question before `answer`, shown in its place (a new branch at the server). */
  async regenerate(answer: ChatMessage): Promise<void> {
    const i = this.messages.indexOf(answer);
    const question = this.messages[i - 1];
    if (this.streaming || !this.sessionId || !question) return;
    const user = {
      ...question,
      ...this.#ask(
        question.content,
        path('sessions', this.sessionId, 'messages', answer.id, 'regenerate'),
        this.#tools(),
      ),
      id: question.id,
      created_at: question.created_at,
    };
    this.messages = [...this.messages.slice(0, i - 1), user];
    await this.#run(user);
  }

  /** Asks `question` again with new text: a new branch from the same point. */
  async edit(question: ChatMessage, text: string): Promise<void> {
    text = text.trim();
    if (this.streaming || !this.sessionId || !text) return;
    const user = this.#ask(text, path('sessions', this.sessionId, 'messages', question.id, 'edit'), {
      message: text,
      ...this.#tools(),
    });
    this.messages = [...this.messages.slice(0, this.messages.indexOf(question)), user];
    await this.#run(user);
  }

  /** Shows the other version `step` away (-1 or 1) of `m`, with the branch that follows it. */
  async switchBranch(m: ChatMessage, step: number): Promise<void> {
    const target = m.sibling_ids?.[(m.sibling_index ?? 1) - 1 + step];
    if (this.streaming || !this.sessionId || !target) return;
    try {
      await this.#show(
        await json<SessionWithMessages>(this.chat(), path('sessions', this.sessionId, 'branch'), 'POST', {
          message_id: target,
        }),
      );
    } catch (e) {
      this.#fail(e);
    }
    this.#update();
  }

  /** Rates an answer; the same rating again (without a comment) takes it back. */
  rate(m: ChatMessage, rating: 'up' | 'down', comment?: string): Promise<void> {
    // One rating request at a time, in the order asked: the thumb's own PUT must not land after
    // a comment saved right behind it and wipe it.
    return (this.#rating = this.#rating.then(async () => {
      const p = path('messages', m.id, 'feedback');
      const undo = comment === undefined && m.feedback?.rating === rating;
      try {
        const saved = undo
          ? null
          : await json<Feedback>(this.chat(), p, 'PUT', {
              rating,
              ...(comment?.trim() && { comment: comment.trim() }),
            });
        if (undo) await json(this.chat(), p, 'DELETE');
        this.messages = this.messages.map((x) => (x.id === m.id ? { ...x, feedback: saved && { ...saved } } : x));
      } catch (e) {
        this.#fail(e);
      }
      this.#update();
    }));
  }

  /** Sends a failed message again with the same Idempotency-Key, so the server can de-duplicate. */
  async retry(user: ChatMessage): Promise<void> {
    if (this.streaming) return;
    const i = this.messages.indexOf(user);
    this.messages = [
      ...this.messages.slice(0, i),
      { ...user, status: 'done', error: undefined, retryAfter: undefined, quota: undefined },
    ];
    await this.#run(this.messages[i]!);
  }

  /** Stops the answer at the server, whichever replica produces it, then closes this stream. */
  stop(): void {
    const abort = this.#abort;
    this.#stopped = true;
    if (!abort || !this.sessionId) return abort?.abort();
    // Waiting for the page's tools, there is no stream to end by itself: the page stops waiting at once.
    if (this.#inTools) abort.abort();
    // Once the server has stopped it, the stream ends by itself with the stored partial's last words
    // (relayed through Redis when another replica produced it); cutting it at once could show less
    // than was stored. A stop the server refused cuts it here at once.
    void json(this.chat(), `/api/chat/sessions/${encodeURIComponent(this.sessionId)}/stop`, 'POST').then(
      () => setTimeout(() => abort.abort(), 3000),
      () => abort.abort(),
    );
  }

  /** Stops showing the answer here; it still finishes and is stored at the server. */
  #detach(): void {
    this.#stopped = true;
    this.#abort?.abort();
  }

  /** Asks `user`'s question and shows the answer; without one, resumes the session's answer in flight. */
  async #run(user?: ChatMessage): Promise<void> {
    const chat = this.chat();
    let sid = user ? ((user.req!.body as { session_id?: string }).session_id ?? this.sessionId) : this.sessionId;
    let lastId = '';
    // Regenerate and edit add a version: the versions shown must be read again afterwards.
    const branching = user && user.req!.path !== '/api/chat/send';
    let url = user ? user.req!.path : `/api/chat/sessions/${sid}/stream`;
    let init: RequestInit = user
      ? {
          method: 'POST',
          body: JSON.stringify(user.req!.body),
          headers: { 'Idempotency-Key': user.key!, Accept: 'text/event-stream' },
        }
      : {};
    const reply: ChatMessage = {
      id: uuid(),
      role: 'assistant',
      content: '',
      status: 'streaming',
      created_at: new Date().toISOString(),
    };
    this.messages = [...this.messages, reply];
    this.streaming = true;
    this.#stopped = false;
    this.#abort = new AbortController();
    this.#update();
    if (user)
      chat.emit('pulse-message-sent', { text: user.content, sessionId: this.sessionId, idempotencyKey: user.key! });
    const replace = (patch: Partial<ChatMessage>) => {
      Object.assign(reply, patch);
      this.messages = this.messages.map((m) => (m.id === reply.id || m === reply ? { ...reply } : m));
      this.#update();
    };
    // Set by the stream's callback, which the compiler's narrowing does not see.
    let interrupted = false as boolean;
    /** The answer has called the page's tools: it is stored, whatever happens next. */
    let continued = false;
    const signal = this.#abort.signal;
    try {
      for (let tries = 0; ; tries++) {
        try {
          const found = await streamAnswer(chat, url, { ...init, signal }, (part, id) => {
            lastId = id ?? lastId;
            if (part.type === 'data-session') {
              void this.#remember((sid = part.data.session_id));
              // The question now has its id at the server: it can be edited and its answer rated.
              if (user) user.id = part.data.user_message_id;
            } else if (part.type === 'text-delta') replace({ content: reply.content + part.delta });
            else if (part.type.startsWith('tool-'))
              replace({ calls: [...(reply.calls ?? []), { ...(part as ToolPart), at: reply.content.length }] });
            else if (part.type === 'source-document') replace({ sources: [...(reply.sources ?? []), part.title] });
            else if (part.type === 'data-message') {
              interrupted = part.data.interrupted;
              this.messages = this.messages.map((m) =>
                m.id === reply.id ? { ...m, id: part.data.assistant_message_id } : m,
              );
              reply.id = part.data.assistant_message_id;
            } else if (part.type === 'data-error') throw new ApiError(0, part.data.code, part.data.message);
            else if (part.type === 'error') throw new ApiError(0, 'STREAM_ERROR', part.errorText);
          });
          if (!found) {
            // Nothing in flight (any more): what is stored is the whole story.
            this.messages = this.messages.filter((m) => m !== reply && m.id !== reply.id);
            if (sid) await this.openSession(sid, false, false);
            return;
          }
          // Calls whose input came whole and no output yet: the answer waits for the page (its stream
          // ended with finish reason tool-calls). They run here; the answer goes on in this same message.
          if (!reply.calls) break;
          this.#inTools = continued = true;
          const results = await (await this.loadTools()).run(reply, chat.tools, signal).finally(() => {
            this.#inTools = false;
          });
          if (!results) break;
          replace({});
          url = path('sessions', sid!, 'tool-results');
          init = results;
          tries = -1;
        } catch (e) {
          // A dropped connection mid-answer: the answer goes on at the server; pick it up after the last event seen.
          if ((this.#stopped as boolean) || e instanceof ApiError || !sid || !lastId || tries > 4) throw e;
          await new Promise((r) => setTimeout(r, 300 * tries));
          url = `/api/chat/sessions/${sid}/stream`;
          init = { headers: { 'Last-Event-ID': lastId } };
        }
      }
      replace({ status: interrupted ? 'interrupted' : 'done' });
      this.#received(reply, interrupted);
      if (branching && sid) await this.openSession(sid, false, false);
    } catch (e) {
      // stop() may have run while the stream was awaited.
      if (this.#stopped as boolean) {
        replace({ status: 'interrupted' });
        this.#received(reply, true);
      } else if (continued) {
        // The results were refused (expired, already answered): the stored answer says how it ended.
        this.#fail(e);
        if (sid) await this.openSession(sid, false, false);
      } else {
        const failed = this.messages.indexOf(user!);
        const error = e instanceof ApiError ? e.code : 'NETWORK_ERROR';
        const { retryAfter, quota } = e instanceof ApiError ? e : {};
        this.messages = this.messages
          .filter((m) => m.id !== reply.id)
          .map((m, i) =>
            i === failed ? Object.assign(m, { status: 'failed', error, retryAfter, quota } as const) : m,
          );
        this.#fail(e);
      }
    } finally {
      this.streaming = false;
      this.#abort = null;
      this.#update();
    }
  }

  #received(reply: ChatMessage, interrupted: boolean): void {
    this.announcement = reply.content;
    this.chat().notifyAnswer();
    this.chat().emit('pulse-message-received', {
      text: reply.content,
      sessionId: this.sessionId,
      messageId: reply.id,
      interrupted,
    });
  }
}
