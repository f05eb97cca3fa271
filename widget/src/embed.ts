/**
 * The script-tag build (`dist/pulse-chat.js`, a classic script). It holds only the bubble;
 * the panel module is imported on demand from beside this file, resolved against the
 * script's own URL captured now (document.currentScript is null once this first run ends).
 */
import { definePulseChat } from './components/pulse-chat/define.js';
import { setPanelLoader } from './components/pulse-chat/pulse-chat.js';
import { createGlobalApi } from './global-api.js';

declare const __PULSE_VERSION__: string;

const script = document.currentScript as HTMLScriptElement | null;

// A second copy of the script on the same page leaves the first one in charge.
if (!window.PulseChat) {
  const panelUrl = new URL('pulse-chat-panel.js', script?.src || location.href).href;
  setPanelLoader(() => import(/* @vite-ignore */ panelUrl));
  definePulseChat();
  window.PulseChat = createGlobalApi(script?.dataset, __PULSE_VERSION__);
  window.dispatchEvent(new CustomEvent('pulse-ready'));
}
