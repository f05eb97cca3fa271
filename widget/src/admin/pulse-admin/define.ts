import '../pulse-admin-report/define.js';
import '../pulse-admin-webhooks/define.js';
import { PulseAdmin } from './pulse-admin.js';

/** Registers `<pulse-admin>` (once), and the parts it is made of. */
if (!customElements.get('pulse-admin')) customElements.define('pulse-admin', PulseAdmin);

declare global {
  interface HTMLElementTagNameMap {
    'pulse-admin': PulseAdmin;
  }
}
