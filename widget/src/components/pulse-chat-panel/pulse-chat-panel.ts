/**
 * `<pulse-chat-panel>`: the chat itself, loaded lazily by `<pulse-chat>` which owns its
 * configuration, token and events. Not meant to be used on its own.
 *
 * @csspart header - The bar with the title and buttons.
 * @csspart title - The heading text.
 * @csspart body - The scrolling message list (or the chats list).
 * @csspart message - Every message; also `user-message` or `assistant-message`.
 * @csspart composer - The form around the input.
 * @csspart input - The message textarea.
 * @csspart send-button - The send button.
 * @csspart stop-button - The stop button shown while an answer streams.
 * @csspart starter - A starter prompt button.
 * @csspart sessions - The list of earlier chats.
 * @csspart button - Header and list buttons.
 * @csspart message-actions - The row under a message: time, versions, copy, regenerate, edit, rating.
 * @csspart search - The search field of the chats list.
 * @csspart attach-button - The paperclip that opens the file picker.
 * @csspart record-button - The microphone that records a voice message.
 */
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { unsafeHTML } from 'lit/directives/unsafe-html.js';
import { type Quota, request } from '../../api/client.js';
import type { Attachments } from '../../attachments/attachments.js';
import { en, loadStrings, type ChatStrings } from '../../i18n/strings.js';
import { renderMarkdown } from '../../markdown/render.js';
import type { PulseChat } from '../pulse-chat/pulse-chat.js';
import { ConversationController, errorKind, type ChatMessage } from './conversation-controller.js';
import { styles } from './pulse-chat-panel.styles.js';
import type { SessionsListEventMap } from '../pulse-sessions-list/pulse-sessions-list.js';

/** LIMITS.messageLength of the backend, inlined by vite.config.ts. */
declare const __PULSE_MESSAGE_MAX_LENGTH__: number;
const MAX_LENGTH = __PULSE_MESSAGE_MAX_LENGTH__;

const icon = (d: string, size = 20) =>
  html`<svg viewBox="0 0 24 24" aria-hidden="true" width=${size} height=${size} fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d=${d} /></svg>`;

/** Icons of the message controls (SVG paths: no icon font, nothing a page's fonts can miss). */
const ICONS = {
  copy: 'M9 9h11v11H9zM5 15H4V4h11v1',
  copied: 'M5 12l5 5L20 7',
  edit: 'M4 20h4L19 9l-4-4L4 16zM14 6l4 4',
  regenerate: 'M20 11a8 8 0 1 0-2.3 5.7M20 4v7h-7',
  good: 'M7 10v10H4V10zm0 0 4-7a2 2 0 0 1 3 2l-1 4h6a2 2 0 0 1 2 2l-2 7a2 2 0 0 1-2 2H7',
  bad: 'M17 14V4h3v10zm0 0-4 7a2 2 0 0 1-3-2l1-4H5a2 2 0 0 1-2-2l2-7a2 2 0 0 1 2-2h10',
  previous: 'M15 6l-6 6 6 6',
  next: 'M9 6l6 6-6 6',
  speaker: 'M11 5 6 9H3v6h3l5 4zM15.5 8.5a5 5 0 0 1 0 7M19 5a10 10 0 0 1 0 14',
  attach: 'M21 11l-9 9a6 6 0 0 1-8.5-8.5l9-9a4 4 0 0 1 5.7 5.7l-9 9a2 2 0 0 1-2.9-2.9l8.5-8.4',
  mic: 'M12 2a3 3 0 0 0-3 3v7a3 3 0 0 0 6 0V5a3 3 0 0 0-3-3zM19 10v2a7 7 0 0 1-14 0v-2M12 19v3M8 22h8',
};

/** Whether this browser can record a voice message the server takes (WebM or Ogg, Opus). */
const CAN_RECORD =
  // Only secure contexts have mediaDevices.
  'mediaDevices' in navigator &&
  typeof MediaRecorder !== 'undefined' &&
  ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus'].some((t) => MediaRecorder.isTypeSupported(t));

/** A small icon button under a message: the icon is decoration, the label is its name. */
const action = (label: string, path: string, onClick: () => void, pressed?: boolean) =>
  html`<button
    type="button"
    class="act"
    aria-label=${label}
    title=${label}
    aria-pressed=${pressed ?? nothing}
    @click=${onClick}
  >${icon(path, 16)}</button>`;

const day = (iso: string) => new Date(iso).toDateString();

export class PulseChatPanel extends LitElement {
  static override styles = styles;
  static override properties = {
    chat: { attribute: false },
    view: { state: true },
    strings: { state: true },
    editing: { state: true },
    commenting: { state: true },
    copied: { state: true },
    dropping: { state: true },
    hasText: { state: true },
  };

  declare chat: PulseChat;
  declare view: 'chat' | 'sessions';
  /** The built-in strings of the chat's language (loaded as its own chunk), before overrides. */
  declare strings: ChatStrings | null;
  /** Id of the question being edited, of the answer whose rating takes a comment, of what was just copied. */
  declare editing: string | null;
  declare commenting: string | null;
  declare copied: string | null;
  /** Files are being dragged over the panel; text is in the input. */
  declare dropping: boolean;
  declare hasText: boolean;
  /** Attachments and voice: their own chunk, loaded on first use (see #loadKit). */
  kit: Attachments | null = null;
  #kitLoading: Promise<Attachments> | null = null;
  readonly ctl = new ConversationController(this, () => this.chat);
  #lang = '';
  #stringsReady: Promise<void> = Promise.resolve();

  constructor() {
    super();
    this.view = 'chat';
    this.strings = null;
    this.editing = this.commenting = this.copied = null;
    this.dropping = this.hasText = false;
    this.ctl.describe = (code, wait, quota) => this.#errorText(code, wait, quota);
    this.addEventListener('keydown', (e) => {
      // Escape while recording throws the recording away (and leaves the panel open).
      if (e.key === 'Escape' && this.kit?.rec) {
        e.stopPropagation();
        this.kit.rec.stop(false);
      }
      this.#trapFocus(e);
    });
    for (const type of ['dragover', 'dragleave', 'drop'])
      this.addEventListener(type, (e) => this.#drag(e as DragEvent));
  }

  /**
   * Loads the attachments chunk (once) and hands it what it shares with the panel: lit, the
   * authenticated request and the icons (see attachments.ts for why they are lent, not imported).
   */
  #loadKit(): Promise<Attachments> {
    this.#kitLoading ??= import('../../attachments/attachments.js')
      .then((m) => m.load(this, { html, nothing, request, icon }))
      .then((kit) => {
        this.kit = kit;
        this.requestUpdate();
        return kit;
      });
    this.#kitLoading.catch(() => (this.#kitLoading = null));
    return this.#kitLoading;
  }

  #withKit(use: (kit: Attachments) => unknown): void {
    this.#loadKit().then(use, () => {});
  }

  #attach(files: File[]): void {
    if (files.length) this.#withKit((kit) => kit.add(files));
  }

  /** Files dragged over the chat show where they can be dropped; dropped, they are attached. */
  #drag(e: DragEvent): void {
    if (!e.dataTransfer?.types.includes('Files') || this.ctl.auth !== 'ok' || this.view !== 'chat') return;
    e.preventDefault();
    // Moving between the panel's own elements is no leaving.
    if (e.type === 'dragleave' && this.contains(e.relatedTarget as Node | null)) return;
    this.dropping = e.type === 'dragover';
    if (e.type === 'drop') this.#attach([...e.dataTransfer.files]);
    else this.#withKit(() => {});
  }

  /** Images pasted into the input are attached; pasted text still goes in as text. */
  #paste(e: ClipboardEvent): void {
    const data = e.clipboardData;
    if (!data?.files.length) return;
    if (!data.types.includes('text/plain')) e.preventDefault();
    this.#attach([...data.files]);
  }

  /** Strings with the host's overrides; English until the page's language has loaded. */
  get s(): ChatStrings {
    return { ...(this.strings ?? en), ...this.chat.overrides };
  }

  protected override willUpdate(): void {
    if (!this.kit && this.ctl.messages.some((m) => m.attachments?.length)) this.#withKit(() => {});
    const lang = this.chat.language;
    if (lang === this.#lang) return;
    this.#lang = lang;
    this.#stringsReady = loadStrings(lang).then(
      (loaded) => void (lang === this.#lang && (this.strings = loaded)),
      () => void (this.strings = en),
    );
  }

  /** Focus goes to the input (or the first control when signed out) when the panel opens. */
  async focusFirst(): Promise<void> {
    let check: Promise<void>;
    do await (check = this.ctl.ready);
    while (check !== this.ctl.ready);
    await this.updateComplete;
    await this.#stringsReady;
    await this.updateComplete;
    const root = this.renderRoot;
    (
      root.querySelector<HTMLElement>('textarea') ?? root.querySelector<HTMLElement>('.body button, header button')
    )?.focus();
  }

  async send(text: string): Promise<void> {
    this.view = 'chat';
    if (this.ctl.auth !== 'ok') await this.ctl.checkAuth();
    await this.ctl.send(text);
  }

  /** Called by the bubble after its configuration changed: the token or user may have changed. */
  refresh(): void {
    this.requestUpdate();
    void this.ctl.checkAuth();
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    const body = this.renderRoot.querySelector('.messages');
    if (body && this.ctl.streaming) body.scrollTop = body.scrollHeight;
  }

  #errorText(code: string | undefined, wait?: number, quota?: Quota): string {
    const s = this.s;
    const kind = errorKind(code);
    return (
      this.kit?.describe(code ?? '') ??
      (kind === 'rateLimited'
        ? s.rateLimited.replace('{n}', String(wait ?? 60))
        : kind === 'quota'
          ? this.#quotaText(quota, wait)
          : s[kind === 'signedOut' ? 'signIn' : kind])
    );
  }

  /** The daily quota's words, with when it resets in the visitor's own clock (its weekday when not today). */
  #quotaText(quota?: Quota, wait?: number): string {
    const at = new Date(quota?.resets_at ?? Date.now() + (wait ?? 0) * 1000);
    const time = at.toLocaleTimeString(this.#lang, {
      hour: '2-digit',
      minute: '2-digit',
      ...(at.toDateString() !== new Date().toDateString() && { weekday: 'long' }),
    });
    return (quota?.quota === 'messages' ? this.s.quotaMessages : this.s.quotaTokens)
      .replace('{n}', String(quota?.limit))
      .replace('{time}', time);
  }

  /**
   * Full screen on a phone the panel is modal: Tab and Shift+Tab cycle inside it, never reaching
   * the page hidden underneath.
   */
  #trapFocus(e: KeyboardEvent): void {
    if (e.key !== 'Tab' || this.chat.inline || !matchMedia('(max-width: 480px)').matches) return;
    const all = [...this.renderRoot.querySelectorAll<HTMLElement>('button, textarea, input, a[href]')].filter(
      (el) => !(el as HTMLButtonElement).disabled && el.getClientRects().length,
    );
    const at = all.indexOf((this.renderRoot as ShadowRoot).activeElement as HTMLElement);
    const next = e.shiftKey ? (at <= 0 ? all.length - 1 : -1) : at === all.length - 1 || at < 0 ? 0 : -1;
    if (next < 0) return;
    e.preventDefault();
    all[next]?.focus();
  }

  /** Text or a finished upload, and nothing still uploading or recording. */
  #canSend(hasText: boolean): boolean {
    const { kit } = this;
    return !this.ctl.streaming && !kit?.busy && !kit?.rec && (hasText || !!kit?.ready);
  }

  #submit(e: Event): void {
    e.preventDefault();
    const input = this.renderRoot.querySelector<HTMLTextAreaElement>('form[part=composer] textarea')!;
    if (!this.#canSend(!!input.value.trim())) return;
    void this.ctl.send(input.value, this.kit?.take());
    input.value = '';
    this.hasText = false;
    this.#grow(input);
  }

  #keydown(e: KeyboardEvent): void {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) this.#submit(e);
  }

  /** Auto-grow for browsers without `field-sizing: content` (CSSOM writes are CSP-safe). */
  #grow(input: HTMLTextAreaElement): void {
    if (CSS.supports('field-sizing', 'content')) return;
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
  }

  #toggleSessions(): void {
    this.view = this.view === 'chat' ? 'sessions' : 'chat';
    if (this.view === 'sessions') void this.ctl.listSessions();
  }

  async #openSession(e: SessionsListEventMap['pulse-session-open']): Promise<void> {
    await this.ctl.openSession(e.detail.id);
    this.view = 'chat';
    void this.focusFirst();
  }

  /** Copies text and says so on the button for two seconds (and to screen readers). */
  async #copy(id: string, text: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(text);
      this.copied = id;
      this.ctl.announcement = this.s.copied;
      setTimeout(() => this.copied === id && (this.copied = null), 2000);
    } catch {
      // No clipboard permission (an insecure page or a sandboxed frame): nothing to do but not claim success.
    }
  }

  /** Code blocks' copy buttons are made by the markdown renderer; their clicks land here. */
  #copyCode(e: Event): void {
    const button = (e.target as Element).closest('.copy-code');
    const code = button?.nextElementSibling?.textContent;
    if (code != null) void this.#copy('code', code);
  }

  #sessionsView(s: ChatStrings): TemplateResult {
    const { ctl } = this;
    return html`<div class="body sessions" part="body">
      <pulse-sessions-list
        .sessions=${ctl.sessions}
        .currentId=${ctl.sessionId}
        .strings=${s}
        .hasMore=${ctl.sessionsMore}
        .query=${ctl.query}
        @pulse-session-open=${(e: SessionsListEventMap['pulse-session-open']) => void this.#openSession(e)}
        @pulse-session-rename=${(e: SessionsListEventMap['pulse-session-rename']) =>
          void ctl.renameSession(e.detail.id, e.detail.title)}
        @pulse-session-delete=${(e: SessionsListEventMap['pulse-session-delete']) => void ctl.deleteSession(e.detail.id)}
        @pulse-sessions-more=${() => void ctl.listSessions(true)}
        @pulse-sessions-search=${(e: SessionsListEventMap['pulse-sessions-search']) => {
          ctl.query = e.detail.q;
          void ctl.listSessions();
        }}
      ></pulse-sessions-list>
    </div>`;
  }

  /** Time, versions, copy, regenerate or edit, and rating: only for messages the server has stored. */
  #actions(m: ChatMessage, s: ChatStrings, last: boolean): TemplateResult {
    const { ctl } = this;
    const stored = m.status !== 'streaming' && m.status !== 'failed';
    const versions = m.sibling_ids?.length ?? 1;
    const idle = stored && !ctl.streaming;
    const at = new Date(m.created_at);
    return html`<div class="actions" part="message-actions">
      <time datetime=${m.created_at}>${at.toLocaleTimeString(this.#lang, { hour: '2-digit', minute: '2-digit' })}</time>
      ${
        versions > 1 && idle
          ? html`<span class="versions">
            ${action(s.previous, ICONS.previous, () => void ctl.switchBranch(m, -1))}
            <span>${m.sibling_index}/${versions}</span>
            ${action(s.next, ICONS.next, () => void ctl.switchBranch(m, 1))}
          </span>`
          : nothing
      }
      ${
        idle
          ? html`${action(this.copied === m.id ? s.copied : s.copy, ICONS[this.copied === m.id ? 'copied' : 'copy'], () => void this.#copy(m.id, m.content))}
          ${
            m.role === 'user'
              ? action(s.edit, ICONS.edit, () => (this.editing = m.id))
              : html`${action(s.readAloud, ICONS.speaker, () => this.#withKit((kit) => kit.speak(m.id, m.content)), this.kit?.playing === m.id)}
                ${last ? action(s.regenerate, ICONS.regenerate, () => void ctl.regenerate(m)) : nothing}
                ${action(s.good, ICONS.good, () => void ctl.rate(m, 'up'), m.feedback?.rating === 'up')}
                ${action(
                  s.bad,
                  ICONS.bad,
                  () => {
                    void ctl.rate(m, 'down');
                    this.commenting = m.feedback?.rating === 'down' ? null : m.id;
                  },
                  m.feedback?.rating === 'down',
                )}`
          }`
          : nothing
      }
    </div>`;
  }

  /** A small form under a message: the new text of a question, or the comment of a rating. */
  #inlineForm(label: string, value: string, save: (text: string) => void, close: () => void): TemplateResult {
    const s = this.s;
    return html`<form
      class="inline"
      @submit=${(e: Event) => {
        e.preventDefault();
        save((e.target as HTMLFormElement).querySelector('textarea')!.value);
        close();
      }}
      @keydown=${(e: KeyboardEvent) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          close();
        }
      }}
    >
      <textarea aria-label=${label} maxlength=${MAX_LENGTH} .value=${value}></textarea>
      <button type="submit" class="link">${s.save}</button>
      <button type="button" class="link" @click=${close}>${s.cancel}</button>
    </form>`;
  }

  #message(m: ChatMessage, s: ChatStrings, last: boolean): TemplateResult {
    const who = m.role === 'user' ? s.you : s.assistant;
    const typing = m.status === 'streaming' && !m.content;
    const kind = errorKind(m.error);
    const close = () => (this.editing = this.commenting = null);
    return html`<li part="message ${m.role}-message" class="msg ${m.role} ${m.status}">
      <span class="sr-only">${who}:</span>
      ${
        typing
          ? html`<span class="typing" role="status" aria-label=${s.typing}><i></i><i></i><i></i></span>`
          : this.editing === m.id
            ? this.#inlineForm(s.edit, m.content, (t) => void this.ctl.edit(m, t), close)
            : m.role === 'user'
              ? // A voice message's text is its transcript, shown with its play button.
                html`${
                  m.content && m.content !== m.attachments?.find((a) => a.transcript)?.transcript
                    ? html`<div class="text">${m.content}</div>`
                    : nothing
                }${m.attachments?.length ? (this.kit?.files(m.attachments) ?? nothing) : nothing}`
              : html`<div class="md">${unsafeHTML(renderMarkdown(m.content, s.copyCode))}</div>${
                  m.sources?.length
                    ? html`<div class="note">${s.sources.replace('{list}', m.sources.join('; '))}</div>`
                    : nothing
                }`
      }
      ${m.status === 'interrupted' ? html`<div class="note">${s.stopped}</div>` : nothing}
      ${
        m.status === 'failed'
          ? html`<div class="note error" role="alert">
            ${this.#errorText(m.error, m.retryAfter, m.quota)}
            ${
              kind === 'signedOut'
                ? nothing
                : html`<button type="button" class="link" @click=${() => void this.ctl.retry(m)}>
                  ${kind === 'unanswered' ? s.askAgain : s.retry}
                </button>`
            }
          </div>`
          : nothing
      }
      ${this.editing === m.id ? nothing : this.#actions(m, s, last)}
      ${
        this.commenting === m.id
          ? this.#inlineForm(s.comment, m.feedback?.comment ?? '', (t) => void this.ctl.rate(m, 'down', t), close)
          : nothing
      }
    </li>`;
  }

  /** The messages with a day separator (Today, Yesterday, or the date) wherever the day changes. */
  #messages(s: ChatStrings): unknown[] {
    const { messages } = this.ctl;
    const today = new Date();
    const yesterday = new Date(today.getTime() - 864e5);
    return messages.map((m, i) => {
      const d = day(m.created_at);
      const label =
        d === today.toDateString()
          ? s.today
          : d === yesterday.toDateString()
            ? s.yesterday
            : new Date(m.created_at).toLocaleDateString(this.#lang, { dateStyle: 'medium' });
      return html`${
        i && day(messages[i - 1]!.created_at) === d ? nothing : html`<li class="day">${label}</li>`
      }${this.#message(m, s, i === messages.length - 1)}`;
    });
  }

  #chatView(s: ChatStrings): TemplateResult {
    const { ctl } = this;
    const starters = this.chat.starters;
    return html`<div class="body messages" part="body" @click=${this.#copyCode}>
      ${
        ctl.hasEarlier
          ? html`<button type="button" class="link earlier" @click=${() => void ctl.loadEarlier()}>${s.loadEarlier}</button>`
          : nothing
      }
      <ul class="list" aria-label=${s.heading}>
        ${ctl.messages.length ? nothing : html`<li class="msg assistant greeting">${s.greeting}</li>`}
        ${this.#messages(s)}
      </ul>
      ${
        !ctl.messages.length && starters.length
          ? html`<div class="starters" role="group" aria-label=${s.starters}>
            ${starters.map(
              (t) =>
                html`<button type="button" part="starter" class="starter" @click=${() => void this.send(t)}>${t}</button>`,
            )}
          </div>`
          : nothing
      }
    </div>`;
  }

  override render(): TemplateResult | typeof nothing {
    // Another language's strings are on their way: show nothing rather than English for a moment.
    if (!this.strings && this.#lang !== 'en') return nothing;
    const s = this.s;
    const { ctl } = this;
    const signedIn = ctl.auth === 'ok';
    return html`<header part="header">
        <h2 part="title">${s.heading}</h2>
        ${
          signedIn
            ? html`<button
                type="button"
                part="button"
                aria-label=${s.chats}
                title=${s.chats}
                aria-pressed=${this.view === 'sessions'}
                @click=${this.#toggleSessions}
              >
                ${icon('M4 6h16M4 12h16M4 18h10')}
              </button>
              <button
                type="button"
                part="button"
                aria-label=${s.newChat}
                title=${s.newChat}
                @click=${() => {
                  this.view = 'chat';
                  ctl.newChat();
                  void this.focusFirst();
                }}
              >
                ${icon('M12 5v14M5 12h14')}
              </button>`
            : nothing
        }
        ${
          this.chat.inline
            ? nothing
            : html`<button type="button" part="button" aria-label=${s.closeChat} title=${s.closeChat} @click=${() => this.chat.close()}>
              ${icon('M6 6l12 12M18 6L6 18')}
            </button>`
        }
      </header>
      ${
        ctl.auth === 'none'
          ? html`<div class="body signin" part="body"><p>${s.signIn}</p></div>`
          : this.view === 'sessions'
            ? this.#sessionsView(s)
            : this.#chatView(s)
      }
      ${
        signedIn && this.view === 'chat'
          ? html`<form part="composer" @submit=${this.#submit}>
            ${this.kit?.tray() ?? nothing}
            <button
              type="button"
              part="attach-button"
              class="tool"
              aria-label=${s.attach}
              title=${s.attach}
              @click=${() => {
                this.renderRoot.querySelector<HTMLInputElement>('input[type=file]')!.click();
                this.#withKit(() => {});
              }}
            >
              ${icon(ICONS.attach)}
            </button>
            <input
              type="file"
              multiple
              hidden
              @change=${(e: Event) => {
                const picker = e.target as HTMLInputElement;
                this.#attach([...picker.files!]);
                picker.value = '';
              }}
            />
            ${
              CAN_RECORD && !this.kit?.rec && this.kit?.config?.transcription !== false
                ? html`<button
                    type="button"
                    part="record-button"
                    class="tool"
                    aria-label=${s.record}
                    title=${s.record}
                    @click=${() => this.#withKit((kit) => kit.record())}
                  >
                    ${icon(ICONS.mic)}
                  </button>`
                : nothing
            }
            <textarea
              part="input"
              rows="1"
              maxlength=${MAX_LENGTH}
              aria-label=${s.inputLabel}
              placeholder=${s.placeholder}
              @keydown=${this.#keydown}
              @paste=${this.#paste}
              @input=${(e: Event) => {
                const input = e.target as HTMLTextAreaElement;
                this.hasText = !!input.value.trim();
                this.#grow(input);
              }}
            ></textarea>
            ${
              ctl.streaming
                ? html`<button type="button" part="stop-button" class="send" aria-label=${s.stop} title=${s.stop} @click=${() => ctl.stop()}>
                  ${icon('M7 7h10v10H7z')}
                </button>`
                : html`<button
                    type="submit"
                    part="send-button"
                    class="send"
                    aria-label=${s.send}
                    title=${s.send}
                    aria-disabled=${!this.#canSend(this.hasText)}
                  >
                    ${icon('M5 12h14M13 6l6 6-6 6')}
                  </button>`
            }
            <div class="errors" aria-live="polite">${this.kit?.errorList() ?? nothing}</div>
          </form>`
          : nothing
      }
      ${this.dropping && this.kit ? html`<div class="drop" aria-hidden="true">${s.dropFiles}</div>` : nothing}
      <div class="sr-only" aria-live="polite">${ctl.streaming ? '' : unsafeHTML(renderMarkdown(ctl.announcement, ''))}</div>`;
  }
}
