import type { PulseTool } from './tools/registry.js';
import {
  TEXT_OPTIONS,
  type PulseChat,
  type PulseChatOptions,
  type TokenProvider,
} from './components/pulse-chat/pulse-chat.js';

/** `window.PulseChat`: the script-tag API. Every method mounts the bubble if it is not there yet. */
export interface PulseChatApi {
  readonly version: string;
  /** Mounts (once) and configures the widget. Safe to call again to change options. */
  init(options?: PulseChatOptions): PulseChat;
  open(): Promise<void>;
  close(): void;
  toggle(): Promise<void> | void;
  send(text: string): Promise<void>;
  /** Sets a fixed token, or a provider that is called again after a 401. `null` signs out. */
  setToken(token: string | TokenProvider | null): void;
  /** Gives the assistant a function of the page to call; throws a TypeError when the tool is not valid. */
  registerTool<Input = never>(name: string, tool: PulseTool<Input>): void;
  unregisterTool(name: string): boolean;
  /** Removes the widget from the page, and its tools; `init()` mounts it again. */
  destroy(): void;
  readonly element: PulseChat | null;
}

declare global {
  interface Window {
    PulseChat?: PulseChatApi;
  }
}

// A script in <head> runs before <body> exists, though the DOM typings say it always does.
const body = (): HTMLElement | null => document.body;

/** Reads `data-*` options from the embedding script tag; `data-api-url` alone mounts the bubble. */
export function createGlobalApi(data: DOMStringMap | undefined, version: string): PulseChatApi {
  let el: PulseChat | null = null;
  const mount = (options: PulseChatOptions = {}): PulseChat => {
    if (!el || (!el.isConnected && document.readyState !== 'loading')) {
      const found = document.querySelector('pulse-chat');
      const created = found ?? document.createElement('pulse-chat');
      el = created;
      const parent = body();
      if (!found && parent) parent.append(created);
      else if (!found)
        document.addEventListener('DOMContentLoaded', () => document.body.append(created), { once: true });
    }
    return el.configure(options);
  };
  if (data?.apiUrl !== undefined) {
    const options: Record<string, unknown> = {};
    for (const key of TEXT_OPTIONS) if (data[key] !== undefined) options[key] = data[key];
    const go = () => void mount(options as PulseChatOptions);
    if (body()) go();
    else document.addEventListener('DOMContentLoaded', go, { once: true });
  }
  return {
    version,
    init: mount,
    open: () => mount().open(),
    close: () => mount().close(),
    toggle: () => mount().toggle(),
    send: (text) => mount().send(text),
    setToken: (token) =>
      void mount(typeof token === 'function' ? { getToken: token, token: null } : { token, getToken: undefined }),
    registerTool: (name, tool) => mount().registerTool(name, tool),
    unregisterTool: (name) => mount().unregisterTool(name),
    destroy: () => {
      el?.remove();
      el = null;
    },
    get element() {
      return el;
    },
  };
}
