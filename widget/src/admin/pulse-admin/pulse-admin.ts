/**
 * `<pulse-admin>`: the dashboard page. Signs in (PULSE_ADMIN_KEY for a short-lived admin token, or
 * a host identity provider's JWT with the pulse_admin role), keeps the token in memory only, picks
 * the range and loads its analytics for `<pulse-admin-report>`; `<pulse-admin-webhooks>` below.
 * Renders into the page (no shadow root): one stylesheet, uPlot's included, styles it all.
 */
import { LitElement, html, nothing } from 'lit';
import { AdminApi, type AdminApiError, describeError } from '../api.js';
import { when } from '../format.js';
import { customRange, type Preset, PRESETS, presetRange, type Range, toLocalInput } from '../range.js';
import type { Analytics } from '../types.js';

/** A text field of a submitted form ('' when missing). */
const text = (form: FormData, name: string): string => {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
};

export class PulseAdmin extends LitElement {
  static override properties = {
    signedIn: { state: true },
    signInError: { state: true },
    busy: { state: true },
    preset: { state: true },
    range: { state: true },
    rangeError: { state: true },
    data: { state: true },
    loadError: { state: true },
    expiresAt: { state: true },
  };

  declare signedIn: boolean;
  declare signInError: string;
  declare busy: boolean;
  declare preset: Preset;
  declare range: Range;
  declare rangeError: string;
  declare data: Analytics | null;
  declare loadError: string;
  /** When the admin key's token expires; unknown for a pasted token. */
  declare expiresAt: string | null;
  readonly #api = new AdminApi((e) => this.#signedOut(e));
  /** Answers to an older range that arrive after a newer one was asked for are dropped. */
  #asked = 0;

  constructor() {
    super();
    this.signedIn = this.busy = false;
    this.signInError = this.rangeError = this.loadError = '';
    this.preset = '24h';
    this.range = presetRange('24h');
    this.data = this.expiresAt = null;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  #signedOut(e: AdminApiError): void {
    this.signedIn = false;
    this.data = null;
    this.signInError = describeError(e);
  }

  async #signIn(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const field = new FormData(form);
    const key = text(field, 'key');
    const token = text(field, 'token').trim();
    this.busy = true;
    this.signInError = '';
    try {
      if (form.name === 'key') {
        this.expiresAt = (await this.#api.signInWithKey(key)).expires_at;
      } else {
        this.#api.useToken(token.replace(/^Bearer\s+/i, ''));
        this.expiresAt = null;
      }
      // The first report is the check: a visitor's token is refused here (403 ADMIN_REQUIRED).
      await this.#load();
      if (this.data) {
        this.signedIn = true;
        form.reset();
      } else {
        this.#api.signOut();
        this.signInError ||= this.loadError;
      }
    } catch (err) {
      this.#api.signOut();
      this.signInError = describeError(err);
    } finally {
      this.busy = false;
    }
    await this.updateComplete;
    this.querySelector<HTMLElement>(this.signedIn ? 'header h1' : '[role=alert]')?.focus();
  }

  #signOut(): void {
    this.#api.signOut();
    this.signedIn = false;
    this.data = null;
    this.signInError = '';
  }

  async #load(): Promise<void> {
    const asked = ++this.#asked;
    this.loadError = '';
    try {
      const data = await this.#api.get<Analytics>('api/admin/analytics', { ...this.range });
      if (asked === this.#asked) this.data = data;
    } catch (e) {
      if (asked === this.#asked) {
        this.data = this.signedIn ? this.data : null;
        this.loadError = describeError(e);
      }
    }
  }

  #pick(preset: Preset): void {
    this.preset = preset;
    this.rangeError = '';
    if (preset === 'custom') return;
    this.range = presetRange(preset);
    void this.#load();
  }

  #applyCustom(e: SubmitEvent): void {
    e.preventDefault();
    const field = new FormData(e.target as HTMLFormElement);
    const range = customRange(text(field, 'from'), text(field, 'to'));
    if (typeof range === 'string') {
      this.rangeError = range;
      return;
    }
    this.rangeError = '';
    this.range = range;
    void this.#load();
  }

  #signInForms() {
    return html`<main class="signin">
      <h1>Pulse dashboard</h1>
      ${this.signInError ? html`<p role="alert" class="error" tabindex="-1">${this.signInError}</p>` : nothing}
      <form name="key" @submit=${(e: SubmitEvent) => void this.#signIn(e)}>
        <h2>Sign in with the admin key</h2>
        <label for="admin-key">Admin key (PULSE_ADMIN_KEY)</label>
        <input id="admin-key" name="key" type="password" autocomplete="off" required maxlength="512" />
        <button type="submit" ?disabled=${this.busy}>Sign in</button>
      </form>
      <form name="token" @submit=${(e: SubmitEvent) => void this.#signIn(e)}>
        <h2>Or use your identity provider’s token</h2>
        <label for="admin-token">Token (a JWT whose role is pulse_admin)</label>
        <textarea id="admin-token" name="token" rows="3" required spellcheck="false" autocomplete="off"></textarea>
        <button type="submit" ?disabled=${this.busy}>Sign in with the token</button>
      </form>
      <p class="hint">The sign-in is kept in this tab’s memory only: reloading the page signs you out.</p>
    </main>`;
  }

  #rangePicker() {
    return html`<div class="range">
      <label for="range-preset">Range</label>
      <select id="range-preset" @change=${(e: Event) => this.#pick((e.target as HTMLSelectElement).value as Preset)}>
        ${PRESETS.map((p) => html`<option value=${p.value} ?selected=${p.value === this.preset}>${p.label}</option>`)}
      </select>
      ${
        this.preset === 'custom'
          ? html`<form class="custom" @submit=${(e: SubmitEvent) => this.#applyCustom(e)}>
            <label for="range-from">From</label>
            <input id="range-from" name="from" type="datetime-local" required .value=${toLocalInput(this.range.from)} />
            <label for="range-to">To</label>
            <input id="range-to" name="to" type="datetime-local" required .value=${toLocalInput(this.range.to)} />
            <button type="submit">Show</button>
          </form>`
          : nothing
      }
      ${this.rangeError ? html`<p role="alert" class="error">${this.rangeError}</p>` : nothing}
    </div>`;
  }

  override render() {
    if (!this.signedIn) return this.#signInForms();
    const d = this.data;
    return html`<header>
        <h1 tabindex="-1">Pulse dashboard</h1>
        ${this.#rangePicker()}
        <p class="session">
          ${this.expiresAt ? html`Signed in until ${when(this.expiresAt)}.` : 'Signed in with your token.'}
          <button type="button" @click=${() => this.#signOut()}>Sign out</button>
        </p>
      </header>
      <main>
        <p class="shown" role="status">
          ${d ? `${when(d.from)} to ${when(d.to)}, by ${d.bucket} (UTC ${d.bucket}s)` : 'Loading…'}
        </p>
        ${this.loadError ? html`<p role="alert" class="error">${this.loadError}</p>` : nothing}
        ${d ? html`<pulse-admin-report .data=${d} .api=${this.#api}></pulse-admin-report>` : nothing}
        <pulse-admin-webhooks .api=${this.#api}></pulse-admin-webhooks>
      </main>`;
  }
}
