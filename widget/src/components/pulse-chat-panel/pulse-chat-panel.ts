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
 */
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { unsafeHTML } from 'lit/directives/unsafe-html.js';
import { renderMarkdown } from '../../markdown/render.js';
import type { PulseChat } from '../pulse-chat/pulse-chat.js';
import { ChatController, type ChatMessage } from './chat-controller.js';
import { styles } from './pulse-chat-panel.styles.js';
import type { SessionsListEventMap } from '../pulse-sessions-list/pulse-sessions-list.js';

/** LIMITS.messageLength of the backend, inlined by vite.config.ts. */
declare const __PULSE_MESSAGE_MAX_LENGTH__: number;
const MAX_LENGTH = __PULSE_MESSAGE_MAX_LENGTH__;

const icon = (d: string) =>
  html`<svg viewBox="0 0 24 24" aria-hidden="true" width="20" height="20" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"><path d=${d} /></svg>`;

export class PulseChatPanel extends LitElement {
  static override styles = styles;
  static override properties = {
    chat: { attribute: false },
    view: { state: true },
  };

  declare chat: PulseChat;
  declare view: 'chat' | 'sessions';
  readonly ctl = new ChatController(this, () => this.chat);

  constructor() {
    super();
    this.view = 'chat';
  }

  /** Focus goes to the input (or the first control when signed out) when the panel opens. */
  async focusFirst(): Promise<void> {
    let check: Promise<void>;
    do await (check = this.ctl.ready);
    while (check !== this.ctl.ready);
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

  #submit(e: Event): void {
    e.preventDefault();
    const input = this.renderRoot.querySelector('textarea')!;
    if (!input.value.trim() || this.ctl.streaming) return;
    void this.ctl.send(input.value);
    input.value = '';
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

  #sessionsView(s: PulseChat['strings']): TemplateResult {
    const { ctl } = this;
    return html`<div class="body sessions" part="body">
      <pulse-sessions-list
        .sessions=${ctl.sessions}
        .currentId=${ctl.sessionId}
        .strings=${s}
        .hasMore=${ctl.sessionsMore}
        @pulse-session-open=${(e: SessionsListEventMap['pulse-session-open']) => void this.#openSession(e)}
        @pulse-session-rename=${(e: SessionsListEventMap['pulse-session-rename']) =>
          void ctl.renameSession(e.detail.id, e.detail.title)}
        @pulse-session-delete=${(e: SessionsListEventMap['pulse-session-delete']) => void ctl.deleteSession(e.detail.id)}
        @pulse-sessions-more=${() => void ctl.listSessions(true)}
      ></pulse-sessions-list>
    </div>`;
  }

  #message(m: ChatMessage, s: PulseChat['strings']): TemplateResult {
    const who = m.role === 'user' ? s.you : s.assistant;
    const typing = m.status === 'streaming' && !m.content;
    return html`<li part="message ${m.role}-message" class="msg ${m.role} ${m.status}">
      <span class="sr-only">${who}:</span>
      ${
        typing
          ? html`<span class="typing" role="status" aria-label=${s.typing}><i></i><i></i><i></i></span>`
          : m.role === 'user'
            ? html`<div class="text">${m.content}</div>`
            : html`<div class="md">${unsafeHTML(renderMarkdown(m.content))}</div>`
      }
      ${m.status === 'interrupted' ? html`<div class="note">${s.stopped}</div>` : nothing}
      ${
        m.status === 'failed'
          ? html`<div class="note error">
            ${m.error === 'RATE_LIMITED' ? s.rateLimited : s.failed}
            <button type="button" class="link" @click=${() => void this.ctl.retry(m)}>${s.retry}</button>
          </div>`
          : nothing
      }
    </li>`;
  }

  #chatView(s: PulseChat['strings']): TemplateResult {
    const { ctl } = this;
    const starters = this.chat.starters;
    return html`<div class="body messages" part="body">
      ${
        ctl.hasEarlier
          ? html`<button type="button" class="link earlier" @click=${() => void ctl.loadEarlier()}>${s.loadEarlier}</button>`
          : nothing
      }
      <ul class="list" aria-label=${s.heading}>
        ${ctl.messages.length ? nothing : html`<li class="msg assistant greeting">${s.greeting}</li>`}
        ${ctl.messages.map((m) => this.#message(m, s))}
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

  override render(): TemplateResult {
    const s = this.chat.strings;
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
            <textarea
              part="input"
              rows="1"
              maxlength=${MAX_LENGTH}
              aria-label=${s.inputLabel}
              placeholder=${s.placeholder}
              @keydown=${this.#keydown}
              @input=${(e: Event) => this.#grow(e.target as HTMLTextAreaElement)}
            ></textarea>
            ${
              ctl.streaming
                ? html`<button type="button" part="stop-button" class="send" aria-label=${s.stop} title=${s.stop} @click=${() => ctl.stop()}>
                  ${icon('M7 7h10v10H7z')}
                </button>`
                : html`<button type="submit" part="send-button" class="send" aria-label=${s.send} title=${s.send}>
                  ${icon('M5 12h14M13 6l6 6-6 6')}
                </button>`
            }
          </form>`
          : nothing
      }
      <div class="sr-only" aria-live="polite">${ctl.streaming ? '' : unsafeHTML(renderMarkdown(ctl.announcement))}</div>`;
  }
}
