/**
 * `<pulse-sessions-list>`: the list of earlier chats inside the panel. It owns the search field,
 * the inline rename and the confirmation before a delete; what to do on open, rename, delete and "more" is the panel's, told by events.
 * Like Material Web's list, it takes data and reports intent. It renders into the panel's
 * shadow root (no shadow root of its own), so the panel's styles and exported parts reach it
 * without a second copy of them in the widget's size budget.
 *
 * @fires pulse-session-open - `{ id }`: the user picked a chat.
 * @fires pulse-session-rename - `{ id, title }`: a new, non-empty title was saved.
 * @fires pulse-session-delete - `{ id }`: the user deleted a chat.
 * @fires pulse-sessions-more - The user asked for the next page.
 * @fires pulse-sessions-search - `{ q }`: the search text changed (debounced).
 */
import { LitElement, html, nothing, type TemplateResult } from 'lit';
import type { Session } from '../../api/types.js';
import type { ChatStrings } from '../../i18n/strings.js';

export interface SessionsListEventMap {
  'pulse-session-open': CustomEvent<{ id: string }>;
  'pulse-session-rename': CustomEvent<{ id: string; title: string }>;
  'pulse-session-delete': CustomEvent<{ id: string }>;
  'pulse-sessions-more': CustomEvent<void>;
  'pulse-sessions-search': CustomEvent<{ q: string }>;
}

export class PulseSessionsList extends LitElement {
  static override properties = {
    sessions: { attribute: false },
    currentId: { attribute: false },
    strings: { attribute: false },
    hasMore: { attribute: false },
    query: { attribute: false },
    editing: { state: true },
    confirming: { state: true },
  };

  declare sessions: Session[];
  declare currentId: string | null;
  declare strings: ChatStrings;
  declare hasMore: boolean;
  declare query: string;
  /** Id of the chat being renamed, and of the one whose delete waits for a yes. */
  declare editing: string | null;
  declare confirming: string | null;
  #typing?: ReturnType<typeof setTimeout>;

  constructor() {
    super();
    this.sessions = [];
    this.currentId = null;
    this.hasMore = false;
    this.query = '';
    this.editing = this.confirming = null;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  #emit<K extends keyof SessionsListEventMap>(type: K, detail?: SessionsListEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  async #rename(id: string): Promise<void> {
    this.editing = id;
    await this.updateComplete;
    this.querySelector<HTMLInputElement>('.rename input')?.focus();
  }

  #save(id: string, input: HTMLInputElement): void {
    const title = input.value.trim();
    this.editing = null;
    if (title) this.#emit('pulse-session-rename', { id, title });
  }

  /** Asks before deleting: the chat and its messages cannot come back. */
  async #confirm(id: string | null): Promise<void> {
    this.confirming = id;
    await this.updateComplete;
    this.querySelector<HTMLElement>(id ? '.confirm .danger' : '.session button.danger')?.focus();
  }

  #item(session: Session, s: ChatStrings): TemplateResult {
    const title = session.title || s.untitled;
    const current = session.id === this.currentId;
    return html`<li class="session ${current ? 'current' : ''}">
      ${
        this.confirming === session.id
          ? html`<div class="confirm" role="group" aria-label=${s.delete}>
            <span>${s.confirmDelete.replace('{title}', title)}</span>
            <button
              type="button"
              part="button"
              class="link danger"
              @click=${() => {
                this.confirming = null;
                this.#emit('pulse-session-delete', { id: session.id });
              }}
            >
              ${s.delete}
            </button>
            <button type="button" part="button" class="link" @click=${() => void this.#confirm(null)}>${s.cancel}</button>
          </div>`
          : this.editing === session.id
            ? html`<form
            class="rename"
            @submit=${(e: Event) => {
              e.preventDefault();
              this.#save(session.id, (e.target as HTMLFormElement).querySelector('input')!);
            }}
          >
            <input
              aria-label=${s.titleLabel}
              maxlength="200"
              .value=${session.title ?? ''}
              @keydown=${(e: KeyboardEvent) => {
                if (e.key === 'Escape') {
                  e.stopPropagation();
                  this.editing = null;
                }
              }}
            />
            <button type="submit" part="button" class="link">${s.save}</button>
          </form>`
            : html`<button
              type="button"
              class="open"
              aria-current=${current ? 'true' : 'false'}
              @click=${() => this.#emit('pulse-session-open', { id: session.id })}
            >
              ${title}
              ${session.match ? html`<span class="snippet">${session.match.snippet}</span>` : nothing}
            </button>
            <button
              type="button"
              part="button"
              class="link"
              aria-label="${s.rename}: ${title}"
              @click=${() => void this.#rename(session.id)}
            >
              ${s.rename}
            </button>
            <button
              type="button"
              part="button"
              class="link danger"
              aria-label="${s.delete}: ${title}"
              @click=${() => void this.#confirm(session.id)}
            >
              ${s.delete}
            </button>`
      }
    </li>`;
  }

  override render(): TemplateResult {
    const s = this.strings;
    return html`<h3 class="sr-only">${s.chats}</h3>
      <input
        type="search"
        part="search"
        class="search"
        aria-label=${s.search}
        placeholder=${s.search}
        .value=${this.query}
        @input=${(e: Event) => {
          const q = (e.target as HTMLInputElement).value;
          clearTimeout(this.#typing);
          this.#typing = setTimeout(() => this.#emit('pulse-sessions-search', { q }), 250);
        }}
      />
      ${this.sessions.length ? nothing : html`<p class="empty">${this.query.trim() ? s.noResults : s.noChats}</p>`}
      <ul part="sessions" class="list">
        ${this.sessions.map((session) => this.#item(session, s))}
      </ul>
      ${
        this.hasMore
          ? html`<button type="button" class="link" @click=${() => this.#emit('pulse-sessions-more')}>${s.loadMore}</button>`
          : nothing
      }`;
  }
}
