import { html, nothing, type TemplateResult } from 'lit';
import type { PulseStrings } from '../../i18n/strings.js';
import type { PulseChatPanel } from './pulse-chat-panel.js';

/** The list of earlier chats: open, rename (inline) and delete. */
export function sessionsView(panel: PulseChatPanel, s: PulseStrings): TemplateResult {
  const { ctl } = panel;
  const save = (id: string, input: HTMLInputElement) => {
    const title = input.value.trim();
    panel.editing = null;
    if (title) void ctl.renameSession(id, title);
  };
  return html`<div class="body sessions" part="body">
    <h3 class="sr-only">${s.chats}</h3>
    ${ctl.sessions.length ? nothing : html`<p class="empty">${s.noChats}</p>`}
    <ul part="sessions" class="list">
      ${ctl.sessions.map((session) => {
        const title = session.title || s.untitled;
        return html`<li class="session ${session.id === ctl.sessionId ? 'current' : ''}">
          ${
            panel.editing === session.id
              ? html`<form
                class="rename"
                @submit=${(e: Event) => {
                  e.preventDefault();
                  save(session.id, (e.target as HTMLFormElement).querySelector('input')!);
                }}
              >
                <input
                  aria-label=${s.titleLabel}
                  maxlength="200"
                  .value=${session.title ?? ''}
                  @keydown=${(e: KeyboardEvent) => {
                    if (e.key === 'Escape') {
                      e.stopPropagation();
                      panel.editing = null;
                    }
                  }}
                />
                <button type="submit" part="button" class="link">${s.save}</button>
              </form>`
              : html`<button
                  type="button"
                  class="open"
                  aria-current=${session.id === ctl.sessionId ? 'true' : 'false'}
                  @click=${async () => {
                    await ctl.openSession(session.id);
                    panel.view = 'chat';
                    void panel.focusFirst();
                  }}
                >
                  ${title}
                </button>
                <button
                  type="button"
                  part="button"
                  class="link"
                  aria-label="${s.rename}: ${title}"
                  @click=${async () => {
                    panel.editing = session.id;
                    await panel.updateComplete;
                    panel.renderRoot.querySelector<HTMLInputElement>('.rename input')?.focus();
                  }}
                >
                  ${s.rename}
                </button>
                <button
                  type="button"
                  part="button"
                  class="link danger"
                  aria-label="${s.delete}: ${title}"
                  @click=${() => void ctl.deleteSession(session.id)}
                >
                  ${s.delete}
                </button>`
          }
        </li>`;
      })}
    </ul>
    ${
      ctl.sessionsMore
        ? html`<button type="button" class="link" @click=${() => void ctl.listSessions(true)}>${s.loadMore}</button>`
        : nothing
    }
  </div>`;
}
