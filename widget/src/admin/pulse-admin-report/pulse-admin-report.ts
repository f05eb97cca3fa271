/**
 * `<pulse-admin-report>`: one range's analytics: the number tiles, the charts, failed sends by
 * code, feedback and the longest sessions. A session's title, and its messages on click, only when
 * the server lets admins read conversations (ADMIN_CAN_READ_CONVERSATIONS); all API text goes
 * through Lit's bindings, which escape it.
 */
import { LitElement, html, nothing } from 'lit';
import { type AdminApi, describeError } from '../api.js';
import { count, duration, NO_DATA, ratio, when } from '../format.js';
import type { Analytics, Conversation, Numbers, TopSession } from '../types.js';
import type { ChartSeries } from '../pulse-admin-chart/pulse-admin-chart.js';

/** Colours with at least 3:1 contrast on white (and 4.5:1 as text). */
const BLUE = '#1d4ed8';
const AMBER = '#b45309';
const GREEN = '#047857';
const RED = '#be123c';

const shortId = (id: string) => id.slice(0, 8);

export class PulseAdminReport extends LitElement {
  static override properties = {
    data: { attribute: false },
    api: { attribute: false },
    open: { state: true },
    conversation: { state: true },
    conversationError: { state: true },
  };

  declare data: Analytics;
  declare api: AdminApi;
  /** The session whose messages are shown (or loading). */
  declare open: TopSession | null;
  declare conversation: Conversation | null;
  declare conversationError: string;

  constructor() {
    super();
    this.open = this.conversation = null;
    this.conversationError = '';
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  async #show(session: TopSession): Promise<void> {
    this.open = session;
    this.conversation = null;
    this.conversationError = '';
    try {
      this.conversation = await this.api.get<Conversation>(
        `api/admin/sessions/${encodeURIComponent(session.session_id)}/messages`,
      );
      await this.updateComplete;
      this.querySelector<HTMLElement>('.conversation h3')?.focus();
    } catch (e) {
      this.conversationError = describeError(e);
    }
  }

  #tiles(t: Numbers) {
    const tile = (key: string, label: string, value: string, sub?: string) =>
      html`<div class="tile" data-tile=${key}>
        <dt>${label}</dt>
        <dd class="value">${value}</dd>
        ${sub ? html`<dd class="sub">${sub}</dd>` : nothing}
      </div>`;
    const { up, down } = this.data.feedback;
    return html`<dl class="tiles">
      ${tile('messages', 'Messages', count(t.messages), `${count(t.questions)} questions, ${count(t.answers)} answers`)}
      ${tile('active-users', 'Active users', count(t.active_users))}
      ${tile('sessions', 'Sessions opened', count(t.new_sessions))}
      ${tile('tokens', 'Tokens', count(t.tokens), `${count(t.prompt_tokens)} prompt, ${count(t.completion_tokens)} completion`)}
      ${tile('ttft', 'First token, median', duration(t.ttft_ms_p50), `p95 ${duration(t.ttft_ms_p95)}`)}
      ${tile('latency', 'Whole answer, median', duration(t.latency_ms_p50), `p95 ${duration(t.latency_ms_p95)}`)}
      ${tile('error-rate', 'Error rate', ratio(t.error_rate), `${count(t.errors)} failed ${t.errors === 1 ? 'send' : 'sends'}`)}
      ${tile('feedback', 'Good ratings', ratio(this.data.feedback.ratio), `${count(up)} good, ${count(down)} bad`)}
    </dl>`;
  }

  #charts() {
    const { series } = this.data;
    const at = series.map((b) => b.at);
    const line = (label: string, color: string, pick: (b: Numbers) => number | null): ChartSeries => ({
      label,
      color,
      values: series.map(pick),
    });
    return html`<div class="charts">
      <pulse-admin-chart
        caption="Messages and active users"
        .at=${at}
        .series=${[line('Messages', BLUE, (b) => b.messages), line('Active users', AMBER, (b) => b.active_users)]}
      ></pulse-admin-chart>
      <pulse-admin-chart
        caption="Tokens"
        .at=${at}
        .series=${[line('Prompt', BLUE, (b) => b.prompt_tokens), line('Completion', GREEN, (b) => b.completion_tokens)]}
      ></pulse-admin-chart>
      <pulse-admin-chart
        caption="Latency"
        unit="ms"
        .at=${at}
        .series=${[
          line('First token p50', BLUE, (b) => b.ttft_ms_p50),
          line('First token p95', GREEN, (b) => b.ttft_ms_p95),
          line('Whole answer p50', AMBER, (b) => b.latency_ms_p50),
          line('Whole answer p95', RED, (b) => b.latency_ms_p95),
        ]}
      ></pulse-admin-chart>
      <pulse-admin-chart
        caption="Error rate"
        unit="ratio"
        .at=${at}
        .series=${[line('Error rate', RED, (b) => b.error_rate)]}
      ></pulse-admin-chart>
    </div>`;
  }

  #errors() {
    const rows = this.data.errors_by_code;
    return html`<section aria-labelledby="errors-heading">
      <h2 id="errors-heading">Failed sends by code</h2>
      ${
        rows.length
          ? html`<table class="errors">
            <thead>
              <tr><th scope="col">Code</th><th scope="col">Count</th></tr>
            </thead>
            <tbody>
              ${rows.map((r) => html`<tr><th scope="row"><code>${r.code}</code></th><td>${count(r.count)}</td></tr>`)}
            </tbody>
          </table>`
          : html`<p>No failed sends in this range.</p>`
      }
    </section>`;
  }

  #sessions() {
    const visible = this.data.conversations_visible;
    const rows = this.data.top_sessions;
    return html`<section aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Longest sessions</h2>
      ${
        visible
          ? html`<p class="hint">Pick a session to read it.</p>`
          : html`<p class="hint">Titles and messages are hidden: set ADMIN_CAN_READ_CONVERSATIONS=true on the server to show them.</p>`
      }
      ${
        rows.length
          ? html`<table class="sessions">
            <thead>
              <tr>
                <th scope="col">Session</th>
                <th scope="col">User</th>
                <th scope="col">Messages</th>
                <th scope="col">Last message</th>
              </tr>
            </thead>
            <tbody>
              ${rows.map(
                (s) =>
                  html`<tr>
                    <th scope="row">
                      ${
                        visible
                          ? html`<button type="button" class="link" @click=${() => void this.#show(s)}>
                            ${s.title || 'Untitled'}
                          </button>`
                          : html`<code title=${s.session_id}>${shortId(s.session_id)}</code>`
                      }
                    </th>
                    <td><code title=${s.user_id}>${shortId(s.user_id)}</code></td>
                    <td>${count(s.messages)}</td>
                    <td>${when(s.last_message_at)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
          : html`<p>No sessions with messages in this range.</p>`
      }
      ${this.open ? this.#conversation(this.open) : nothing}
    </section>`;
  }

  #conversation(s: TopSession) {
    const c = this.conversation;
    return html`<section class="conversation" aria-labelledby="conversation-heading">
      <h3 id="conversation-heading" tabindex="-1">${s.title || 'Untitled'}</h3>
      <button type="button" @click=${() => (this.open = null)}>Close conversation</button>
      ${
        this.conversationError
          ? html`<p role="alert" class="error">${this.conversationError}</p>`
          : c
            ? html`<ol class="messages">
              ${c.messages.map(
                (m) =>
                  html`<li class=${m.role}>
                    <span class="role">${m.role === 'user' ? 'Visitor' : m.role === 'assistant' ? 'Assistant' : 'System'}</span>
                    <time datetime=${m.created_at}>${when(m.created_at)}</time>
                    <p>${m.content}</p>
                  </li>`,
              )}
            </ol>`
            : html`<p>Loading…</p>`
      }
    </section>`;
  }

  override render() {
    const d = this.data;
    return html`${this.#tiles(d.totals)} ${this.#charts()}
      <div class="columns">
        ${this.#errors()}
        <section aria-labelledby="feedback-heading">
          <h2 id="feedback-heading">Feedback</h2>
          <p data-feedback>
            ${
              d.feedback.up + d.feedback.down
                ? `${ratio(d.feedback.ratio)} of ${count(d.feedback.up + d.feedback.down)} ratings were good (${count(d.feedback.up)} good, ${count(d.feedback.down)} bad).`
                : `No ratings in this range (${NO_DATA}).`
            }
          </p>
        </section>
      </div>
      ${this.#sessions()}`;
  }
}
