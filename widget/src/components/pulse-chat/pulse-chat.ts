/**
 * `<pulse-chat>`: the chat bubble and its panel.
 *
 * The element itself is dependency-free (no Lit) so that what a page needs to show the bubble
 * stays under 6 KB brotli; the Lit panel (`<pulse-chat-panel>`, markdown, sanitizer, API
 * client) is imported on first open, on `send()`, on idle, or at once in `inline` mode.
 *
 * @attr api-url - Base URL of the Pulse API (default: the page's origin).
 * @attr token - A fixed JWT. Prefer the `getToken` property, which is asked again after a 401.
 * @attr open - Present while the panel is open.
 * @attr inline - No bubble: the panel fills the element's container and is always shown.
 * @attr position - `bottom-right` (default) or `bottom-left`; mirrored in right-to-left pages.
 * @attr theme - `auto` (default, follows `prefers-color-scheme`), `light` or `dark`.
 * @attr locale - Language of the built-in strings (`en`, `de`, `fr`, `es`, `ar`, `ja`); defaults to the page's `lang`.
 * @attr heading - Title shown in the panel header.
 * @attr greeting - First message shown in an empty chat.
 * @attr starters - Starter prompts, separated by `|`.
 * @attr sign-in-text - Shown instead of the chat when there is no token.
 * @attr icon-url - Image used as the launcher icon.
 * @attr system-prompt - Sent with each message as `system_prompt`.
 *
 * @fires pulse-open - The panel opened.
 * @fires pulse-close - The panel closed.
 * @fires pulse-request-send - Cancelable; before a message is sent. `detail: { text }`.
 * @fires pulse-message-sent - A user message was sent. `detail: { text, sessionId, idempotencyKey }`.
 * @fires pulse-message-received - An answer finished. `detail: { text, sessionId, messageId, interrupted }`.
 * @fires pulse-error - A request failed. `detail: { code, message }`.
 * @fires pulse-session-change - The current chat changed. `detail: { sessionId }`.
 *
 * Methods beyond the options: `registerTool(name, tool)` and `unregisterTool(name)` give the
 * assistant a function of the page to call (see `PulseTool`).
 *
 * @slot icon - Replaces the launcher icon.
 *
 * @csspart launcher - The round bubble button.
 * @csspart badge - The unread counter on the bubble.
 * @csspart panel - The dialog that holds the chat.
 * @csspart header, title, body, message, user-message, assistant-message, composer, input,
 *   send-button, stop-button, starter, sessions, button - Parts of the panel (see README).
 *
 * @cssproperty --accent - Bubble and primary button colour (default `--pulse-accent`).
 * @cssproperty --launcher-size - Bubble diameter.
 * @cssproperty --panel-width - Panel width on larger screens.
 * @cssproperty --panel-height - Panel height on larger screens.
 * @cssproperty --z-index - Stacking order of the bubble and panel.
 */
import type { PulseEventMap } from '../../events.js';
import { bubbleStrings, isRtl, langOf } from '../../i18n/bubble.js';
import type { PulseStrings } from '../../i18n/strings.js';
import { addTool, type PulseTool } from '../../tools/registry.js';
import { styles } from './pulse-chat.styles.js';

/** Supplies the host page's JWT; return null when the user is signed out. */
export type TokenProvider = () => string | null | undefined | Promise<string | null | undefined>;

/** Options accepted by `configure()` and `window.PulseChat.init()`. */
export interface PulseChatOptions {
  apiUrl?: string;
  token?: string | null;
  getToken?: TokenProvider;
  inline?: boolean;
  position?: 'bottom-right' | 'bottom-left';
  theme?: 'auto' | 'light' | 'dark';
  locale?: string;
  i18n?: Partial<PulseStrings>;
  heading?: string;
  greeting?: string;
  starters?: string[];
  signInText?: string;
  iconUrl?: string;
  systemPrompt?: string;
}

/** What the lazily loaded panel element exposes to the bubble. */
export interface PanelElement extends HTMLElement {
  chat: PulseChat;
  focusFirst(): Promise<void>;
  send(text: string): Promise<void>;
  refresh(): void;
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

/**
 * The options that are text: each is also an attribute (kebab-case: `api-url`) and a `data-`
 * attribute of the script tag (`data-api-url`). The one list both tables are made from.
 */
export const TEXT_OPTIONS = [
  'apiUrl',
  'token',
  'position',
  'theme',
  'locale',
  'heading',
  'greeting',
  'starters',
  'signInText',
  'iconUrl',
  'systemPrompt',
] as const satisfies readonly (keyof PulseChatOptions)[];

const ATTRS = ['open', 'inline', ...TEXT_OPTIONS.map(kebab)];

const PANEL_PARTS =
  'header,title,body,message,user-message,assistant-message,message-actions,composer,input,send-button,stop-button,attach-button,record-button,starter,sessions,search,button';

const ICON =
  '<svg viewBox="0 0 24 24" aria-hidden="true" fill="currentColor"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';

let loadPanel: () => Promise<unknown> = () => Promise.reject(new Error('Pulse: no panel loader'));

/** The script-tag build loads the panel by URL, the npm build through the bundler. */
export function setPanelLoader(loader: () => Promise<unknown>): void {
  loadPanel = loader;
}

function base64UrlJson(part: string): Record<string, unknown> | null {
  try {
    return JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
  } catch {
    return null;
  }
}

export class PulseChat extends HTMLElement {
  static readonly observedAttributes = ATTRS;

  /** Called for a token before the first request and again after a 401. */
  getToken?: TokenProvider;
  /** Overrides for any built-in string. */
  i18n?: Partial<PulseStrings>;
  #starters?: string[];
  #token: string | null = null;
  #cachedToken: string | null = null;
  #root: ShadowRoot;
  #launcher: HTMLButtonElement;
  #badge: HTMLElement;
  #wrap: HTMLElement;
  #panel: PanelElement | null = null;
  #panelLoading: Promise<PanelElement> | null = null;
  #unread = 0;
  /** Tracks open state apart from the attribute, which the host may also toggle. */
  #opened = false;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open' });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(styles);
    this.#root.adoptedStyleSheets = [sheet];
    this.#root.innerHTML = `<button part="launcher" class="launcher" type="button" aria-expanded="false" aria-controls="panel"><slot name="icon">${ICON}</slot><span part="badge" class="badge" hidden></span></button><div part="panel" class="panel" id="panel" role="dialog" tabindex="-1"></div>`;
    this.#launcher = this.#root.querySelector('button')!;
    this.#badge = this.#root.querySelector('.badge')!;
    this.#wrap = this.#root.querySelector('.panel')!;
    this.#launcher.addEventListener('click', () => void this.toggle());
    this.#wrap.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !this.inline) {
        e.stopPropagation();
        this.close();
      }
    });
  }

  connectedCallback(): void {
    this.#sync();
    if (this.inline || this.hasAttribute('open')) void this.#ensurePanel();
    else if ('requestIdleCallback' in window) requestIdleCallback(() => void this.#ensurePanel().catch(() => {}));
  }

  attributeChangedCallback(name: string): void {
    if (name === 'token') {
      this.#token = this.getAttribute('token');
      this.#cachedToken = null;
    }
    if (name === 'open') {
      if (this.hasAttribute('open')) void this.open();
      else this.close();
      return;
    }
    if (name === 'inline' && this.inline && this.isConnected) void this.#ensurePanel();
    this.#sync();
  }

  get apiUrl(): string {
    return (this.getAttribute('api-url') ?? '').replace(/\/+$/, '');
  }
  set apiUrl(v: string) {
    this.setAttribute('api-url', v);
  }
  /** A fixed token, kept in memory only (the property is never reflected to an attribute). */
  get token(): string | null {
    return this.#token;
  }
  set token(v: string | null) {
    this.#token = v || null;
    this.#cachedToken = null;
    this.#sync();
  }
  get inline(): boolean {
    return this.hasAttribute('inline');
  }
  set inline(v: boolean) {
    this.toggleAttribute('inline', v);
  }
  get isOpen(): boolean {
    return this.inline || this.#opened;
  }
  get starters(): string[] {
    return (
      this.#starters ??
      (this.getAttribute('starters') ?? '')
        .split('|')
        .map((s) => s.trim())
        .filter(Boolean)
    );
  }
  set starters(v: string[]) {
    this.#starters = v;
    this.#sync();
  }
  get systemPrompt(): string | undefined {
    return this.getAttribute('system-prompt') || undefined;
  }
  /** The shipped language for `locale` (or the page's `lang`); the panel loads its strings. */
  get language(): string {
    return langOf(this.getAttribute('locale') || document.documentElement.lang);
  }
  /** Host overrides of the built-in strings: the `i18n` option, then the text attributes. */
  get overrides(): Partial<PulseStrings> {
    const heading = this.getAttribute('heading');
    const greeting = this.getAttribute('greeting');
    const signIn = this.getAttribute('sign-in-text');
    return { ...this.i18n, ...(heading && { heading }), ...(greeting && { greeting }), ...(signIn && { signIn }) };
  }

  /** Applies options; strings go to attributes, functions and objects to properties. */
  configure(options: PulseChatOptions): this {
    for (const [key, value] of Object.entries(options)) {
      if (key === 'getToken') {
        this.getToken = value as TokenProvider;
        this.#cachedToken = null;
      } else if (key === 'token') {
        this.#token = (value as string | null) || null;
        this.#cachedToken = null;
      } else if (key === 'i18n') this.i18n = value as Partial<PulseStrings>;
      else if (key === 'starters') this.#starters = value as string[];
      else if (key === 'inline') this.inline = !!value;
      else if (ATTRS.includes(kebab(key))) {
        if (value == null) this.removeAttribute(kebab(key));
        else this.setAttribute(kebab(key), String(value));
      }
    }
    this.#sync();
    return this;
  }

  /** The token for the next request; `refresh` asks `getToken()` again (after a 401). */
  async resolveToken(refresh = false): Promise<string | null> {
    if (!this.getToken) return this.#token;
    if (refresh || !this.#cachedToken) this.#cachedToken = (await this.getToken()) || null;
    return this.#cachedToken;
  }

  /** Storage key for the remembered session: per user (the JWT `sub`), never the token itself. */
  async sessionKey(): Promise<string | null> {
    const token = await this.resolveToken().catch(() => null);
    const sub = token && base64UrlJson(token.split('.')[1] ?? '')?.sub;
    return typeof sub === 'string' || typeof sub === 'number' ? `pulse-chat:session:${sub}` : null;
  }

  emit<K extends keyof PulseEventMap>(type: K, detail?: PulseEventMap[K]['detail'], cancelable = false): boolean {
    return this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true, cancelable }));
  }

  async open(): Promise<void> {
    if (this.inline || this.#opened) return;
    this.#opened = true;
    this.setAttribute('open', '');
    this.#launcher.setAttribute('aria-expanded', 'true');
    this.#unread = 0;
    this.#sync();
    const panel = await this.#ensurePanel();
    // close() may have run while the panel loaded.
    if (!(this.#opened as boolean)) return;
    await panel.focusFirst();
    this.emit('pulse-open');
  }

  close(): void {
    if (this.inline || !this.#opened) return;
    this.#opened = false;
    const hadFocus = this.matches(':focus-within');
    this.removeAttribute('open');
    this.#launcher.setAttribute('aria-expanded', 'false');
    this.#sync();
    if (hadFocus) this.#launcher.focus();
    this.emit('pulse-close');
  }

  toggle(): Promise<void> | void {
    return this.isOpen && !this.inline ? this.close() : this.open();
  }

  /** Opens the panel and sends `text` as the user. */
  async send(text: string): Promise<void> {
    void this.open();
    const panel = await this.#ensurePanel();
    await panel.send(text);
  }

  /**
   * Gives the assistant a function of this page to call: sent with every message from now on
   * (its name, description and schema; never the function). Throws a TypeError when the name,
   * description or schema is not one the server takes. The same name again replaces the tool.
   */
  registerTool<Input = never>(name: string, tool: PulseTool<Input>): void {
    addTool(this.tools as Map<string, PulseTool>, name, tool as PulseTool);
  }

  /** Takes a tool back: later messages no longer offer it, and a call to it is answered with an error. */
  unregisterTool(name: string): boolean {
    return (this.tools as Map<string, PulseTool>).delete(name);
  }

  /** The registered tools, by name (change them through registerTool and unregisterTool). */
  readonly tools: ReadonlyMap<string, PulseTool> = new Map();

  /** Called by the panel when an answer arrives, to count it while the panel is closed. */
  notifyAnswer(): void {
    if (!this.isOpen) {
      this.#unread++;
      this.#sync();
    }
  }

  #ensurePanel(): Promise<PanelElement> {
    this.#panelLoading ??= loadPanel().then(() => {
      const panel = document.createElement('pulse-chat-panel') as PanelElement;
      panel.chat = this;
      panel.setAttribute('exportparts', PANEL_PARTS);
      this.#wrap.append(panel);
      this.#panel = panel;
      return panel;
    });
    this.#panelLoading.catch(() => (this.#panelLoading = null));
    return this.#panelLoading;
  }

  #sync(): void {
    const s = { ...bubbleStrings(this.language), ...this.overrides };
    const iconUrl = this.getAttribute('icon-url');
    const slot = this.#root.querySelector('slot')!;
    const img = slot.querySelector('img');
    if (iconUrl && img?.getAttribute('src') !== iconUrl)
      slot.innerHTML = `<img alt="" src="${iconUrl.replace(/"/g, '&quot;')}">`;
    else if (!iconUrl && img) slot.innerHTML = ICON;
    this.#badge.hidden = !this.#unread;
    this.#badge.textContent = this.#unread ? String(this.#unread) : '';
    this.#launcher.setAttribute(
      'aria-label',
      (this.isOpen ? s.closeChat : s.openChat) +
        (this.#unread ? ', ' + s.unread.replace('{n}', String(this.#unread)) : ''),
    );
    this.#wrap.setAttribute('role', this.inline ? 'region' : 'dialog');
    this.#wrap.setAttribute('aria-label', s.heading);
    // An Arabic panel reads right to left even on a left-to-right page.
    this.#wrap.dir = isRtl(this.language) ? 'rtl' : '';
    this.#panel?.refresh();
  }
}
