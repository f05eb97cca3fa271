import { PulseSessionsList } from './pulse-sessions-list.js';

/** Registers `<pulse-sessions-list>` (once); the panel's chunk imports it. */
if (!customElements.get('pulse-sessions-list')) customElements.define('pulse-sessions-list', PulseSessionsList);

declare global {
  interface HTMLElementTagNameMap {
    'pulse-sessions-list': PulseSessionsList;
  }
}
