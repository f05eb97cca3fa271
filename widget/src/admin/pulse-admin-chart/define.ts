import { PulseAdminChart } from './pulse-admin-chart.js';

/** Registers `<pulse-admin-chart>` (once). */
if (!customElements.get('pulse-admin-chart')) customElements.define('pulse-admin-chart', PulseAdminChart);

declare global {
  interface HTMLElementTagNameMap {
    'pulse-admin-chart': PulseAdminChart;
  }
}
