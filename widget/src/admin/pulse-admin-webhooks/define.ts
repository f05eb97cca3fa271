import { PulseAdminWebhooks } from './pulse-admin-webhooks.js';

/** Registers `<pulse-admin-webhooks>` (once). */
if (!customElements.get('pulse-admin-webhooks')) customElements.define('pulse-admin-webhooks', PulseAdminWebhooks);

declare global {
  interface HTMLElementTagNameMap {
    'pulse-admin-webhooks': PulseAdminWebhooks;
  }
}
