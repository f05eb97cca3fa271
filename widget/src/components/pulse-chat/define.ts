import { PulseChat } from './pulse-chat.js';

/** Registers `<pulse-chat>`; a second call (the script loaded twice) is a no-op. */
export function definePulseChat(): void {
  if (!customElements.get('pulse-chat')) customElements.define('pulse-chat', PulseChat);
}

declare global {
  interface HTMLElementTagNameMap {
    'pulse-chat': PulseChat;
  }
}
