import '../pulse-sessions-list/define.js';
import { PulseChatPanel } from './pulse-chat-panel.js';

/** The lazily loaded chunk: importing it registers `<pulse-chat-panel>` (once). */
if (!customElements.get('pulse-chat-panel')) customElements.define('pulse-chat-panel', PulseChatPanel);

declare global {
  interface HTMLElementTagNameMap {
    'pulse-chat-panel': PulseChatPanel;
  }
}

export { PulseChatPanel };
