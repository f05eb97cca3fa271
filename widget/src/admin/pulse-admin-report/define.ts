import '../pulse-admin-chart/define.js';
import { PulseAdminReport } from './pulse-admin-report.js';

/** Registers `<pulse-admin-report>` (once), and the chart it draws with. */
if (!customElements.get('pulse-admin-report')) customElements.define('pulse-admin-report', PulseAdminReport);

declare global {
  interface HTMLElementTagNameMap {
    'pulse-admin-report': PulseAdminReport;
  }
}
