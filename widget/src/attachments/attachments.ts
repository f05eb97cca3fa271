/**
 * Attachments and voice: the lazily loaded chunk (`import()` on the first attach, drop, paste,
 * microphone or read-aloud click, or the first message with attachments shown). It holds the
 * files on their way (uploads with progress, thumbnails, errors), the voice recorder, playback
 * (voice messages, answers read aloud) and the views of all of it; the panel only places them.
 *
 * Nothing here imports lit or the API client at run time: the panel lends its own (`Lent`).
 * Were both chunks to import them, the bundler would move them to a third chunk that every first
 * open of the panel would then fetch.
 */
import type { ReactiveController, ReactiveControllerHost, TemplateResult, html, nothing } from 'lit';
import type { ApiAuth, request } from '../api/client.js';
import type { Attachment, AttachmentConfig } from '../api/types.js';
import { upload, UploadError } from '../api/upload.js';
import { attachmentsEn, loadAttachmentStrings, type AttachmentStrings } from '../i18n/attachment-strings.js';
import type { ChatStrings, PulseStrings } from '../i18n/strings.js';
import { styles } from './attachments.styles.js';
import { resizeImage } from './resize-image.js';

/** What the panel lends the chunk: its lit, its authenticated request and its icon helper. */
export interface Lent {
  html: typeof html;
  nothing: typeof nothing;
  request: typeof request;
  icon: (path: string, size?: number) => TemplateResult;
}

/** The panel as this chunk sees it. */
export interface AttachmentsHost extends ReactiveControllerHost {
  readonly renderRoot: HTMLElement | DocumentFragment;
  readonly chat: ApiAuth & { language: string; overrides: Partial<PulseStrings> };
  readonly s: ChatStrings;
}

/** A file in the composer, from the moment it is added until it is sent or removed. */
export interface Pending {
  name: string;
  size: number;
  /** Object URL of a local image, for its thumbnail; revoked when the file leaves the composer. */
  preview?: string;
  /** Fraction uploaded. */
  progress: number;
  done?: Attachment;
  abort: AbortController;
}

/** The text shown for each API error code of an upload or a send with attachments. */
const TEXTS: Record<string, keyof AttachmentStrings> = {
  ATTACHMENT_TOO_LARGE: 'tooLarge',
  ATTACHMENT_TYPE_NOT_ALLOWED: 'typeNotAllowed',
  ATTACHMENT_TYPE_MISMATCH: 'typeMismatch',
  ATTACHMENT_ACTIVE_CONTENT: 'activeContent',
  ATTACHMENT_ENCRYPTED: 'encrypted',
  ATTACHMENT_NO_TEXT: 'noText',
  ATTACHMENT_UNREADABLE: 'unreadable',
  ATTACHMENT_TOO_MANY_PAGES: 'tooManyPages',
  ATTACHMENT_QUOTA_EXCEEDED: 'quotaExceeded',
  TOO_MANY_ATTACHMENTS: 'tooManyFiles',
  ATTACHMENT_NOT_SUPPORTED: 'notSupported',
  TRANSCRIPTION_FAILED: 'transcriptionFailed',
  NO_MIC: 'noMic',
};

const FILE = 'M14 3H6v18h12V7zM14 3v4h4';
const PLAY = 'M7 5v14l12-7z';
const PAUSE = 'M8 5v14M16 5v14';
const CLOSE = 'M6 6l12 12M18 6L6 18';

const path = (id: string) => `/api/chat/attachments/${encodeURIComponent(id)}`;

/** What recorders can write that the server takes: WebM/Opus (Chromium, Firefox), else Ogg/Opus. */
const VOICE_TYPES = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus'];

/** Made by the panel through `load()`, once its strings are there. */
export class Attachments implements ReactiveController {
  pending: Pending[] = [];
  /** Refusals under the composer: the file's name and the API's code. */
  errors: { name: string; code: string }[] = [];
  config: AttachmentConfig | null = null;
  /** While recording: when it began, and how to end it (keeping the recording or not). */
  rec: { start: number; stop: (keep: boolean) => void } | null = null;
  /** What plays now: a voice message's attachment id or a read-aloud answer's message id. */
  playing: string | null = null;
  #configLoading: Promise<AttachmentConfig | null> | null = null;
  /** Object URLs of files read from Pulse (thumbnails, downloads, audio), by attachment id; '' while loading. */
  #urls = new Map<string, string>();
  #audio: HTMLAudioElement | null = null;
  #lang = '';
  #strings: AttachmentStrings | null = null;
  #noSpeech = false;

  constructor(
    private readonly host: AttachmentsHost,
    private readonly lent: Lent,
  ) {
    host.addController(this);
    const root = host.renderRoot as ShadowRoot;
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, styles];
  }

  hostUpdate(): void {
    void this.loadStrings();
  }

  /** Loads the strings of the panel's language when it changes (once at start, through `load`). */
  async loadStrings(): Promise<void> {
    const lang = this.host.chat.language;
    if (lang === this.#lang) return;
    this.#lang = lang;
    const loaded = await loadAttachmentStrings(lang).catch(() => null);
    if (lang === this.#lang) this.#strings = loaded;
    this.#update();
  }

  hostDisconnected(): void {
    this.rec?.stop(false);
    this.#stopPlaying();
    for (const p of this.pending) this.#drop(p);
    for (const url of this.#urls.values()) if (url) URL.revokeObjectURL(url);
    this.#urls.clear();
  }

  get s(): PulseStrings {
    return { ...this.host.s, ...(this.#strings ?? attachmentsEn), ...this.host.chat.overrides } as PulseStrings;
  }

  /** At least one upload finished and none is still going: the message can be sent. */
  get ready(): boolean {
    return this.pending.length > 0 && this.pending.every((p) => p.done);
  }

  get busy(): boolean {
    return this.pending.some((p) => !p.done);
  }

  #update(): void {
    this.host.requestUpdate();
  }

  /** The text for an API error code of attachments; undefined for codes that are not theirs. */
  describe(code: string): string | undefined {
    const s = this.s;
    const key = TEXTS[code] ?? (/ATTACHMENT|TRANSCRIPTION/.test(code) ? 'uploadFailed' : undefined);
    const c = this.config;
    return key && s[key].replace('{n}', key === 'tooLarge' ? this.#size(c?.max_bytes ?? 0) : String(c?.per_message));
  }

  #error(name: string, code: string): void {
    this.errors = [...this.errors, { name, code }];
    this.#update();
  }

  /** The limits, asked for once (again after a failure). */
  loadConfig(): Promise<AttachmentConfig | null> {
    return (this.#configLoading ??= this.lent
      .request(this.host.chat, '/api/chat/attachments/config')
      .then((res) => res.json() as Promise<AttachmentConfig>)
      .then(
        (c) => (this.config = c),
        () => (this.#configLoading = null),
      ));
  }

  /** Adds files to the message and starts uploading each at once. */
  async add(files: File[]): Promise<void> {
    this.errors = [];
    const c = await this.loadConfig();
    for (const file of files) {
      const refused =
        c && this.pending.length >= c.per_message
          ? 'TOO_MANY_ATTACHMENTS'
          : c?.images === false && file.type.startsWith('image/')
            ? 'ATTACHMENT_NOT_SUPPORTED'
            : '';
      if (refused) {
        this.#error(file.name, refused);
        continue;
      }
      const p: Pending = {
        name: file.name,
        size: file.size,
        progress: 0,
        abort: new AbortController(),
        preview: file.type.startsWith('image/') ? URL.createObjectURL(file) : undefined,
      };
      this.pending = [...this.pending, p];
      void this.#upload(p, file, c);
    }
    this.#update();
  }

  async #upload(p: Pending, file: File, c: AttachmentConfig | null): Promise<void> {
    try {
      if (c && /^image\/(png|jpeg|webp)$/.test(file.type) && file.size > c.image_resize_over_bytes)
        file = await resizeImage(file).catch(() => file);
      p.size = file.size;
      // Refused here rather than after sending megabytes the server would not read.
      if (c && file.size > c.max_bytes) throw new UploadError('ATTACHMENT_TOO_LARGE');
      p.done = await upload(this.host.chat, file, (f) => ((p.progress = f), this.#update()), p.abort.signal);
    } catch (e) {
      // Removed while uploading: nothing to report.
      if (p.abort.signal.aborted) return;
      this.#drop(p);
      this.#error(p.name, e instanceof UploadError ? e.code : 'NETWORK_ERROR');
    }
    this.#update();
  }

  /** Takes a file out of the message; one already uploaded is deleted at the server too. */
  remove(p: Pending): void {
    p.abort.abort();
    this.#drop(p);
    // Its button is gone: the input is where the keyboard user carries on.
    this.#focus('textarea');
    if (p.done) void this.lent.request(this.host.chat, path(p.done.id), { method: 'DELETE' }).catch(() => {});
  }

  #drop(p: Pending): void {
    if (p.preview) URL.revokeObjectURL(p.preview);
    this.pending = this.pending.filter((x) => x !== p);
    this.#update();
  }

  /** The uploaded files, for the message being sent; the composer is emptied. */
  take(): Attachment[] {
    const done = this.pending.flatMap((p) => (p.done ? [p.done] : []));
    for (const p of this.pending) if (p.preview) URL.revokeObjectURL(p.preview);
    this.pending = [];
    this.errors = [];
    return done;
  }

  /** Records a voice message; stopping it adds it to the message like any file. */
  async record(): Promise<void> {
    if (this.rec) return;
    this.errors = [];
    void this.loadConfig();
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      return this.#error('', 'NO_MIC');
    }
    const recorder = new MediaRecorder(stream, { mimeType: VOICE_TYPES.find((t) => MediaRecorder.isTypeSupported(t)) });
    const chunks: Blob[] = [];
    let keep = false;
    // Four ticks a second: a late timer on a busy page still shows every second, none skipped.
    const tick = setInterval(() => this.#update(), 250);
    recorder.ondataavailable = (e) => chunks.push(e.data);
    recorder.onstop = () => {
      clearInterval(tick);
      for (const track of stream.getTracks()) track.stop();
      this.rec = null;
      const type = recorder.mimeType.split(';')[0]!;
      if (keep) void this.add([new File(chunks, `voice-message.${type.slice(6)}`, { type })]);
      this.#update();
      this.#focus('textarea');
    };
    recorder.start();
    this.rec = { start: Date.now(), stop: (k) => ((keep = k), recorder.stop()) };
    this.#update();
    this.#focus('.rec button');
  }

  #focus(selector: string): void {
    void this.host.updateComplete.then(() => this.host.renderRoot.querySelector<HTMLElement>(selector)?.focus());
  }

  /** An object URL of a file stored at Pulse, read with the bearer token (never a URL holding it). */
  #url(key: string, path: string, init?: RequestInit): Promise<string> {
    const known = this.#urls.get(key);
    if (known) return Promise.resolve(known);
    return this.lent
      .request(this.host.chat, path, init)
      .then((res) => res.blob())
      .then((blob) => {
        const url = URL.createObjectURL(blob);
        this.#urls.set(key, url);
        return url;
      });
  }

  /** The thumbnail's URL once loaded; starts loading it the first time. */
  #thumb(a: Attachment): string | undefined {
    if (!this.#urls.has(a.id)) {
      this.#urls.set(a.id, '');
      void this.#url(a.id, path(a.id)).then(
        () => this.#update(),
        () => {},
      );
    }
    return this.#urls.get(a.id) || undefined;
  }

  async #download(a: Attachment): Promise<void> {
    const link = document.createElement('a');
    link.href = await this.#url(a.id, path(a.id));
    link.download = a.filename;
    link.click();
  }

  #stopPlaying(): void {
    this.#audio?.pause();
    this.#audio = null;
    // Some browsers (and webviews) have no speech synthesis at all.
    if ('speechSynthesis' in window) speechSynthesis.cancel();
    this.playing = null;
  }

  /** Plays `key` from the URL `src` gives, or `text` with the browser's own voice; again stops it. */
  async play(key: string, src: () => Promise<string>, text?: string): Promise<void> {
    const again = this.playing === key;
    this.#stopPlaying();
    this.#update();
    if (again) return;
    this.playing = key;
    const ended = () => {
      if (this.playing === key) this.playing = null;
      this.#update();
    };
    try {
      const audio = (this.#audio = new Audio(await src()));
      audio.onended = ended;
      await audio.play();
    } catch {
      if (text === undefined || this.playing !== key) return ended();
      const say = new SpeechSynthesisUtterance(text.replace(/[*_`#>|~]/g, ''));
      say.lang = this.#lang;
      say.onend = say.onerror = ended;
      speechSynthesis.speak(say);
    }
  }

  /** An answer read aloud: Pulse's voice (POST /api/chat/speech), else the browser's (SPEECH_NOT_CONFIGURED). */
  speak(messageId: string, text: string): Promise<void> {
    return this.play(
      messageId,
      () =>
        this.config?.speech === false || this.#noSpeech
          ? Promise.reject(new Error('no speech'))
          : this.#url(messageId, '/api/chat/speech', {
              method: 'POST',
              body: JSON.stringify({ message_id: messageId }),
            }).catch((e: { code?: string }) => {
              this.#noSpeech ||= e.code === 'SPEECH_NOT_CONFIGURED';
              throw e;
            }),
      text,
    );
  }

  /** "340 kB", "2.5 MB" in the panel's language (binary units: 20 MB is the server's 20971520). */
  #size(bytes: number): string {
    const mb = bytes >= 2 ** 20;
    return new Intl.NumberFormat(this.#lang, {
      style: 'unit',
      unit: mb ? 'megabyte' : 'kilobyte',
      maximumFractionDigits: mb ? 1 : 0,
    }).format(mb ? bytes / 2 ** 20 : Math.max(1, bytes / 1024));
  }

  /** Name, size and type of a file that is not an image. */
  #chip(name: string, size: number, type: string): TemplateResult {
    const { html, icon } = this.lent;
    return html`${icon(FILE, 16)}<span class="name">${name}</span><small>${this.#size(size)} · ${type}</small>`;
  }

  /** The composer's part: the recording, the files on their way, then (the panel places them) the errors. */
  tray(): TemplateResult {
    const { html, nothing, icon } = this.lent;
    const s = this.s;
    const rec = this.rec;
    const t = rec ? Math.floor((Date.now() - rec.start) / 1000) : 0;
    return html`${
      rec
        ? html`<div class="rec" role="group" aria-label=${s.recording}>
          <i></i>${s.recording} <span role="timer">${Math.floor(t / 60)}:${String(t % 60).padStart(2, '0')}</span>
          <button type="button" class="act" @click=${() => rec.stop(true)}>${s.stopRecording}</button>
          <button type="button" class="act" @click=${() => rec.stop(false)}>${s.cancelRecording}</button>
        </div>`
        : nothing
    }${
      this.pending.length
        ? html`<ul class="tray">
          ${this.pending.map(
            (p) => html`<li class=${p.preview ? 'pic' : 'chip'}>
              ${p.preview ? html`<img alt=${p.name} src=${p.preview} />` : this.#chip(p.done?.filename ?? p.name, p.size, ext(p.name))}
              ${p.done?.transcript ? html`<q>${p.done.transcript}</q>` : nothing}
              ${p.done ? nothing : html`<progress max="1" .value=${p.progress} aria-label=${s.uploading.replace('{name}', p.name)}></progress>`}
              <button type="button" class="act x" aria-label=${s.remove.replace('{name}', p.name)} title=${s.remove.replace('{name}', p.name)} @click=${() => this.remove(p)}>${icon(CLOSE, 14)}</button>
            </li>`,
          )}
        </ul>`
        : nothing
    }`;
  }

  /** The refusals, for the panel's live region under the composer. */
  errorList(): unknown[] {
    return this.errors.map(
      (e) => this.lent.html`<p>${e.name ? `${e.name}: ` : ''}${this.describe(e.code) ?? this.s.uploadFailed}</p>`,
    );
  }

  /** A message's files in the thread: images as thumbnails, voice with its transcript, others as download chips. */
  files(list: Attachment[]): TemplateResult {
    const { html, icon } = this.lent;
    const s = this.s;
    return html`<div class="files">
      ${list.map((a) =>
        a.kind === 'image'
          ? html`<img class="thumb" alt=${a.filename} src=${this.#thumb(a) ?? this.lent.nothing} />`
          : a.kind === 'audio'
            ? html`<div class="voice">
              <button type="button" class="act" aria-label=${s.play} aria-pressed=${this.playing === a.id} @click=${() => void this.play(a.id, () => this.#url(a.id, path(a.id)))}>
                ${icon(this.playing === a.id ? PAUSE : PLAY, 16)}
              </button>
              <span>${a.transcript}</span>
            </div>`
            : html`<button type="button" class="chip" @click=${() => void this.#download(a).catch(() => {})}>
              ${this.#chip(a.filename, a.size_bytes, ext(a.filename))}
            </button>`,
      )}
    </div>`;
  }
}

const ext = (name: string) => /\.(\w+)$/.exec(name)?.[1]?.toUpperCase() ?? '';

/** The chunk's entry: the attachments of `host`, once the strings of its language are loaded. */
export async function load(host: AttachmentsHost, lent: Lent): Promise<Attachments> {
  const kit = new Attachments(host, lent);
  await kit.loadStrings();
  return kit;
}
