/**
 * The host page's tools (issue 24), the lazily loaded part: runs the calls an answer makes (after
 * asking the visitor when the tool wants it) and draws each call as a compact step. Loaded when
 * the chat first shows a call, so chats that never call a tool never download it.
 *
 * As attachments.ts, it imports neither lit nor the API client at run time: the panel lends
 * them, so they are not split into a chunk of their own that every first open would fetch.
 *
 * Everything a call carries (its arguments, the page's result, an error) is drawn as text by lit's
 * bindings: never HTML, whatever the model or the page put in it.
 */
import type { ReactiveController, ReactiveControllerHost, TemplateResult, html, nothing } from 'lit';
import type { CallPart } from '../api/types.js';
import type { PulseStrings } from '../i18n/strings.js';
import { loadToolStrings, toolsEn, type ToolStrings } from '../i18n/tool-strings.js';
import type { PulseTool } from './registry.js';
import { styles } from './tools.styles.js';

/** What the panel lends the chunk. */
export interface Lent {
  html: typeof html;
  nothing: typeof nothing;
  icon: (path: string, size?: number) => TemplateResult;
}

/** The panel as this chunk sees it. */
export interface ToolsHost extends ReactiveControllerHost {
  readonly renderRoot: HTMLElement | DocumentFragment;
  readonly chat: { language: string; overrides: Partial<PulseStrings> };
}

/** One call's answer, as POST /api/chat/sessions/{id}/tool-results takes it. */
export type ToolResult =
  | { tool_call_id: string; output: unknown }
  | { tool_call_id: string; error: string }
  | { tool_call_id: string; denied: true };

/** A call as the chat shows it, made from its parts. */
export interface ToolStep {
  id: string;
  name: string;
  /** Where in the answer's text the call came (the text before it is shown before it). */
  at: number;
  /** The arguments: as text while they stream in, then parsed. */
  inputText?: string;
  input?: unknown;
  /** `input-error`: the server answered the call itself (arguments not JSON or not fitting the schema). */
  state:
    | 'input-streaming'
    | 'input-available'
    | 'input-error'
    | 'approval'
    | 'running'
    | 'output-available'
    | 'output-error'
    | 'output-denied';
  output?: unknown;
  error?: string;
}

/** The server's TOOL_RESULT_MAX_BYTES: a bigger result is refused here, with an error the model can read. */
const MAX_RESULT_BYTES = 16384;
const MAX_ERROR_LENGTH = 1000;

const CLOCK = 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM12 7v5l3 2';
/** Each state's icon and the string that names it. */
const STATES: Record<ToolStep['state'], [string, keyof ToolStrings]> = {
  'input-streaming': [CLOCK, 'toolPreparing'],
  'input-available': [CLOCK, 'toolWaiting'],
  approval: ['M9 9a3 3 0 1 1 4 2.8c-.6.3-1 .9-1 1.6V14M12 17v.5', 'toolAsking'],
  running: [CLOCK, 'toolRunning'],
  'output-available': ['M5 12l5 5L20 7', 'toolDone'],
  'output-error': ['M6 6l12 12M18 6L6 18', 'toolFailed'],
  'input-error': ['M6 6l12 12M18 6L6 18', 'toolFailed'],
  'output-denied': ['M5.6 5.6l12.8 12.8M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z', 'toolDenied'],
};

/** JSON as it reads best: text as itself, anything else indented. */
const show = (value: unknown): string => (typeof value === 'string' ? value : String(JSON.stringify(value, null, 2)));

export class Tools implements ReactiveController {
  #lang = '';
  #strings: ToolStrings | null = null;
  /** The open Allow / Deny questions, by call id. */
  #asks = new Map<string, (allowed: boolean) => void>();
  /** Every call shown, by id, and the parts already applied to them. */
  #steps = new Map<string, ToolStep>();
  #applied = new WeakSet<CallPart>();

  constructor(
    private readonly host: ToolsHost,
    private readonly lent: Lent,
  ) {
    host.addController(this);
    const root = host.renderRoot as ShadowRoot;
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, styles];
  }

  hostUpdate(): void {
    void this.loadStrings();
  }

  async loadStrings(): Promise<void> {
    const lang = this.host.chat.language;
    if (lang === this.#lang) return;
    this.#lang = lang;
    const loaded = await loadToolStrings(lang).catch(() => null);
    if (lang === this.#lang) this.#strings = loaded;
    this.host.requestUpdate();
  }

  get s(): ToolStrings {
    return { ...(this.#strings ?? toolsEn), ...this.host.chat.overrides };
  }

  /** The calls of an answer, in order, with every part so far applied. */
  steps(calls: CallPart[]): ToolStep[] {
    for (const part of calls) {
      if (this.#applied.has(part)) continue;
      this.#applied.add(part);
      // A stored call (an answer read back) is whole: it replaces whatever was shown of it.
      if (!('type' in part)) {
        this.#steps.set(part.id, { ...part, at: 0 });
        continue;
      }
      const id = part.toolCallId;
      let step = this.#steps.get(id);
      if (!step) {
        if (!('toolName' in part)) continue;
        step = { id, name: part.toolName, at: part.at, state: 'input-streaming' };
        this.#steps.set(id, step);
      }
      const { type } = part;
      if (type === 'tool-input-delta') step.inputText = (step.inputText ?? '') + part.inputTextDelta;
      else if (type === 'tool-input-available') Object.assign(step, { input: part.input, state: 'input-available' });
      else if (type === 'tool-input-error')
        Object.assign(step, { input: part.input, state: 'input-error', error: part.errorText });
      else if (type === 'tool-output-available')
        Object.assign(step, { output: part.output, state: 'output-available' });
      else if (type === 'tool-output-error') Object.assign(step, { state: 'output-error', error: part.errorText });
      else step.state = 'output-denied';
    }
    return [...new Set(calls.map((p) => ('type' in p ? p.toolCallId : p.id)))].flatMap(
      (id) => this.#steps.get(id) ?? [],
    );
  }

  /**
   * Runs the calls the answer waits for one after the other (each may ask the visitor first) and
   * resolves with the request that posts all their answers at once to …/tool-results, whose
   * response streams the rest of the answer; null when none waits. An abort (the visitor stopped
   * the answer) rejects.
   */
  async run(
    answer: { id: string; calls?: CallPart[] },
    tools: ReadonlyMap<string, PulseTool>,
    signal: AbortSignal,
  ): Promise<RequestInit | null> {
    const results: ToolResult[] = [];
    for (const step of this.steps(answer.calls ?? []).filter((x) => x.state === 'input-available')) {
      results.push(await this.#call(step, tools.get(step.name), signal));
      signal.throwIfAborted();
      this.host.requestUpdate();
    }
    return results.length
      ? {
          method: 'POST',
          body: JSON.stringify({ assistant_message_id: answer.id, results }),
          headers: { Accept: 'text/event-stream' },
        }
      : null;
  }

  async #call(step: ToolStep, tool: PulseTool | undefined, signal: AbortSignal): Promise<ToolResult> {
    const id = step.id;
    const fail = (error: string): ToolResult => {
      Object.assign(step, { state: 'output-error', error });
      return { tool_call_id: id, error };
    };
    // The page took the tool back since the question was sent: nothing of the page runs.
    if (!tool) return fail(`This page has no tool named "${step.name}".`);
    if (tool.needsApproval && !(await this.#ask(step, signal))) {
      step.state = 'output-denied';
      return { tool_call_id: id, denied: true };
    }
    step.state = 'running';
    this.host.requestUpdate();
    let result: unknown;
    try {
      result = await (tool.execute as (input: unknown) => unknown)(step.input);
    } catch (e) {
      return fail(String(e instanceof Error ? e.message : e).slice(0, MAX_ERROR_LENGTH));
    }
    let json: string | undefined;
    try {
      json = JSON.stringify(result ?? null);
    } catch {
      return fail('The tool returned something that is not JSON.');
    }
    // A function or a symbol alone stringifies to nothing.
    json ??= 'null';
    const size = new TextEncoder().encode(json).length;
    if (size > MAX_RESULT_BYTES)
      return fail(`The tool's result was too large (${size} bytes; at most ${MAX_RESULT_BYTES}).`);
    const output: unknown = JSON.parse(json);
    Object.assign(step, { state: 'output-available', output });
    return { tool_call_id: id, output };
  }

  /** Shows the Allow / Deny question in the step and moves focus to it; resolves with the answer. */
  #ask(step: ToolStep, signal: AbortSignal): Promise<boolean> {
    step.state = 'approval';
    this.host.requestUpdate();
    void this.host.updateComplete.then(() =>
      this.host.renderRoot.querySelector<HTMLElement>(`[data-ask="${CSS.escape(step.id)}"] button`)?.focus(),
    );
    return new Promise<boolean>((resolve, reject) => {
      this.#asks.set(step.id, resolve);
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    }).finally(() => this.#asks.delete(step.id));
  }

  /** An answer's text with its calls where they came in it; `md` draws a piece of text. */
  answer(content: string, calls: CallPart[], md: (text: string) => unknown): unknown[] {
    const out: unknown[] = [];
    let from = 0;
    for (const step of this.steps(calls)) {
      out.push(md(content.slice(from, step.at)), this.#view(step));
      from = Math.max(from, step.at);
    }
    out.push(md(content.slice(from)));
    return out;
  }

  /** A call as a collapsible row: its state, name, arguments, and result or error. */
  #view(step: ToolStep): TemplateResult {
    const { html, nothing, icon } = this.lent;
    const s = this.s;
    const [path, key] = STATES[step.state];
    const answer = this.#asks.get(step.id);
    const args = step.input === undefined ? (step.inputText ?? '') : show(step.input);
    const done = step.state === 'output-available';
    return html`<details class="step ${step.state}" part="tool-step" ?open=${!!answer}>
      <summary>
        <span role="img" aria-label=${s[key]} title=${s[key]}>${icon(path, 16)}</span>
        <code>${step.name}</code>
        <span class="state" aria-hidden="true">${s[key]}</span>
      </summary>
      <dl>
        <dt>${s.toolArguments}</dt>
        <dd><pre>${args}</pre></dd>
        ${
          done || step.error !== undefined
            ? html`<dt>${done ? s.toolResult : s.toolError}</dt>
              <dd><pre>${done ? show(step.output) : step.error}</pre></dd>`
            : nothing
        }
      </dl>
    </details>${
      // Beside the row, not in it: collapsing the row cannot hide the question.
      answer
        ? html`<div class="ask" role="group" aria-label=${s.toolQuestion.replace('{name}', step.name)} data-ask=${step.id}>
            <p>${s.toolQuestion.replace('{name}', step.name)}</p>
            <button type="button" class="allow" @click=${() => answer(true)}>${s.toolAllow}</button>
            <button type="button" class="deny" @click=${() => answer(false)}>${s.toolDeny}</button>
          </div>`
        : nothing
    }`;
  }
}

/** The chunk's entry: the tools view of `host`, once the strings of its language are loaded. */
export async function load(host: ToolsHost, lent: Lent): Promise<Tools> {
  const tools = new Tools(host, lent);
  await tools.loadStrings();
  return tools;
}
