/**
 * `<pulse-admin-webhooks>`: the webhook endpoints with their deliveries counted by status, and the
 * deliveries themselves (newest first, filtered by status, 50 a page) with a Retry button on the
 * dead ones. A server without the webhooks API (404) says so instead.
 */
import { LitElement, html, nothing } from 'lit';
import { type AdminApi, AdminApiError, describeError } from '../api.js';
import { count, when } from '../format.js';
import type { DeliveryStatus, WebhookDelivery, WebhookEndpoint } from '../types.js';

const STATUS_LABEL: Record<DeliveryStatus, string> = { pending: 'Pending', delivered: 'Delivered', dead: 'Dead' };

export class PulseAdminWebhooks extends LitElement {
  static override properties = {
    api: { attribute: false },
    endpoints: { state: true },
    deliveries: { state: true },
    next: { state: true },
    status: { state: true },
    error: { state: true },
    unavailable: { state: true },
    notice: { state: true },
    retrying: { state: true },
  };

  declare api: AdminApi;
  declare endpoints: WebhookEndpoint[] | null;
  declare deliveries: WebhookDelivery[] | null;
  /** The cursor of the next page, if there is one. */
  declare next: string | null;
  declare status: DeliveryStatus | '';
  declare error: string;
  declare unavailable: boolean;
  /** What the last retry did, for the live region. */
  declare notice: string;
  declare retrying: string | null;

  constructor() {
    super();
    this.endpoints = this.deliveries = this.next = this.retrying = null;
    this.status = 'dead';
    this.error = this.notice = '';
    this.unavailable = false;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.refresh();
  }

  /** Loads the endpoints and the first page of deliveries again. */
  async refresh(): Promise<void> {
    this.error = '';
    try {
      const [list, page] = await Promise.all([
        this.api.get<{ endpoints: WebhookEndpoint[] }>('api/admin/webhooks'),
        this.#page(),
      ]);
      this.endpoints = list.endpoints;
      this.deliveries = page.deliveries;
      this.next = page.next_before;
    } catch (e) {
      if (e instanceof AdminApiError && e.status === 404) this.unavailable = true;
      else this.error = describeError(e);
    }
  }

  #page(before?: string) {
    return this.api.get<{ deliveries: WebhookDelivery[]; next_before: string | null }>(
      'api/admin/webhooks/deliveries',
      {
        status: this.status || undefined,
        before,
      },
    );
  }

  async #more(): Promise<void> {
    try {
      const page = await this.#page(this.next ?? undefined);
      this.deliveries = [...(this.deliveries ?? []), ...page.deliveries];
      this.next = page.next_before;
    } catch (e) {
      this.error = describeError(e);
    }
  }

  async #retry(d: WebhookDelivery): Promise<void> {
    this.retrying = d.id;
    this.notice = '';
    try {
      const after = await this.api.post<WebhookDelivery>(
        `api/admin/webhooks/deliveries/${encodeURIComponent(d.id)}/retry`,
      );
      this.notice = `Sent again: the ${d.type} delivery is now ${STATUS_LABEL[after.status].toLowerCase()}.`;
      await this.refresh();
    } catch (e) {
      this.notice = describeError(e);
    } finally {
      this.retrying = null;
    }
  }

  #endpoints(list: WebhookEndpoint[]) {
    if (!list.length) return html`<p>No webhook endpoints. Add one with WEBHOOK_URLS or POST /api/admin/webhooks.</p>`;
    return html`<table class="endpoints">
      <caption>Endpoints</caption>
      <thead>
        <tr>
          <th scope="col">URL</th>
          <th scope="col">Events</th>
          <th scope="col">Enabled</th>
          <th scope="col">Pending</th>
          <th scope="col">Delivered</th>
          <th scope="col">Dead</th>
        </tr>
      </thead>
      <tbody>
        ${list.map(
          (e) => html`<tr>
            <th scope="row"><code>${e.url}</code></th>
            <td>${e.events.join(', ')}</td>
            <td>${e.enabled ? 'Yes' : 'No'}</td>
            <td>${count(e.deliveries.pending)}</td>
            <td>${count(e.deliveries.delivered)}</td>
            <td>${count(e.deliveries.dead)}</td>
          </tr>`,
        )}
      </tbody>
    </table>`;
  }

  #deliveries(list: WebhookDelivery[]) {
    const url = (id: string) => this.endpoints?.find((e) => e.id === id)?.url ?? id;
    if (!list.length) return html`<p>No deliveries${this.status ? ' with this status' : ''}.</p>`;
    return html`<table class="deliveries">
        <caption>Deliveries, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Created</th>
            <th scope="col">Event</th>
            <th scope="col">Endpoint</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Last result</th>
            <th scope="col"><span class="sr-only">Action</span></th>
          </tr>
        </thead>
        <tbody>
          ${list.map(
            (d) => html`<tr data-delivery=${d.id}>
              <td>${when(d.created_at)}</td>
              <td>${d.type}</td>
              <td><code>${url(d.endpoint_id)}</code></td>
              <td><span class="status ${d.status}">${STATUS_LABEL[d.status]}</span></td>
              <td>${count(d.attempts)}</td>
              <td>${d.last_error ?? (d.last_status ? `HTTP ${d.last_status}` : '—')}</td>
              <td>
                ${
                  d.status === 'dead'
                    ? html`<button
                      type="button"
                      ?disabled=${this.retrying === d.id}
                      aria-label=${`Retry the ${d.type} delivery of ${when(d.created_at)}`}
                      @click=${() => void this.#retry(d)}
                    >
                      Retry
                    </button>`
                    : nothing
                }
              </td>
            </tr>`,
          )}
        </tbody>
      </table>
      ${this.next ? html`<button type="button" @click=${() => void this.#more()}>Show older deliveries</button>` : nothing}`;
  }

  override render() {
    return html`<section aria-labelledby="webhooks-heading">
      <h2 id="webhooks-heading">Webhooks</h2>
      ${
        this.unavailable
          ? html`<p>This server has no webhooks API.</p>`
          : html`${this.error ? html`<p role="alert" class="error">${this.error}</p>` : nothing}
            ${this.endpoints ? this.#endpoints(this.endpoints) : nothing}
            <label class="filter"
              >Show deliveries
              <select
                @change=${(e: Event) => {
                  this.status = (e.target as HTMLSelectElement).value as DeliveryStatus | '';
                  void this.refresh();
                }}
              >
                <option value="dead" ?selected=${this.status === 'dead'}>Dead (gave up)</option>
                <option value="pending" ?selected=${this.status === 'pending'}>Pending</option>
                <option value="delivered" ?selected=${this.status === 'delivered'}>Delivered</option>
                <option value="" ?selected=${this.status === ''}>All</option>
              </select>
            </label>
            <p class="notice" role="status">${this.notice}</p>
            ${this.deliveries ? this.#deliveries(this.deliveries) : html`<p>Loading…</p>`}`
      }
    </section>`;
  }
}
