/**
 * `<pulse-admin-chart>`: one time series chart of the dashboard, drawn by uPlot on a canvas, with
 * the same numbers as a table behind a disclosure for screen readers and keyboards (a canvas says
 * nothing to them). Renders into the page (no shadow root), so the page's stylesheet, uPlot's
 * included, reaches it.
 */
import { LitElement, html } from 'lit';
import uPlot from 'uplot';
import { count, duration, NO_DATA, ratio, when } from '../format.js';

export interface ChartSeries {
  label: string;
  /** A colour with at least 3:1 contrast on the page's white (WCAG 1.4.11). */
  color: string;
  values: (number | null)[];
}

export type ChartUnit = 'count' | 'ms' | 'ratio';

const HEIGHT = 220;
const WHOLE_STEPS = [1, 2, 5]
  .flatMap((n) => [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7].map((p) => n * p))
  .sort((a, b) => a - b);
const FORMAT: Record<ChartUnit, (v: number | null) => string> = {
  count: (v) => (v === null ? NO_DATA : count(v)),
  ms: duration,
  ratio,
};

export class PulseAdminChart extends LitElement {
  static override properties = {
    caption: {},
    unit: {},
    at: { attribute: false },
    series: { attribute: false },
  };

  declare caption: string;
  declare unit: ChartUnit;
  /** Each bucket's start (ISO 8601). */
  declare at: string[];
  declare series: ChartSeries[];
  #plot?: uPlot;
  #resize = new ResizeObserver(() => this.#plot?.setSize({ width: this.#width(), height: HEIGHT }));

  constructor() {
    super();
    this.caption = '';
    this.unit = 'count';
    this.at = [];
    this.series = [];
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#resize.observe(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resize.disconnect();
    this.#plot?.destroy();
    this.#plot = undefined;
  }

  #width(): number {
    return Math.max(240, this.querySelector('.plot')?.clientWidth ?? 0);
  }

  /** A new plot for new data: uPlot's setData keeps the series, and ours may change with them. */
  protected override updated(): void {
    this.#plot?.destroy();
    const target = this.querySelector<HTMLElement>('.plot')!;
    const format = FORMAT[this.unit];
    this.#plot = new uPlot(
      {
        width: this.#width(),
        height: HEIGHT,
        series: [
          {},
          ...this.series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            points: { show: this.at.length < 60 },
          })),
        ],
        // Labels only: values that follow the cursor would say "no data" for every idle bucket; the table has them.
        legend: { live: false },
        // From zero, with room above the highest point so its marker is not cut in half.
        scales: { y: { range: (_u, _min, max) => [0, Math.max(max * 1.1, this.unit === 'ratio' ? 0.05 : 1)] } },
        axes: [
          {},
          {
            size: 70,
            // Whole steps for counts and milliseconds: a step of 0.5 messages would print "1" twice.
            ...(this.unit !== 'ratio' && { incrs: WHOLE_STEPS }),
            values: (_u, splits) => splits.map((v) => format(v)),
          },
        ],
      },
      [this.at.map((a) => Date.parse(a) / 1000), ...this.series.map((s) => s.values)],
      target,
    );
  }

  override render() {
    const format = FORMAT[this.unit];
    return html`<figure>
      <figcaption>${this.caption}</figcaption>
      <div class="plot"></div>
      <details>
        <summary>${this.caption}: as a table</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Time</th>
              ${this.series.map((s) => html`<th scope="col">${s.label}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${this.at.map(
              (a, i) =>
                html`<tr>
                  <th scope="row">${when(a)}</th>
                  ${this.series.map((s) => html`<td>${format(s.values[i] ?? null)}</td>`)}
                </tr>`,
            )}
          </tbody>
        </table>
      </details>
    </figure>`;
  }
}
