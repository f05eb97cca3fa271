/**
 * The steps' styles, adopted into the panel's shadow root when the tools chunk loads (a
 * constructable stylesheet, as attachments.styles.ts: nothing a strict CSP refuses).
 */
export const styles = new CSSStyleSheet();
styles.replaceSync(/* css */ `
  .step {
    margin: 4px 0;
    border: 1px solid var(--pulse-border);
    border-radius: 8px;
    font-size: 13px;
  }
  .step summary {
    display: flex;
    align-items: center;
    gap: 6px;
    padding: 4px 8px;
    cursor: pointer;
  }
  .step summary code {
    font-family: ui-monospace, Menlo, Consolas, monospace;
    font-weight: 600;
  }
  .step .state {
    color: var(--pulse-muted);
  }
  .step [role='img'] {
    display: inline-grid;
  }
  .output-error [role='img'],
  .input-error [role='img'] {
    color: var(--pulse-danger);
  }
  .step dl {
    margin: 0;
    padding: 0 8px 6px;
  }
  .step dt {
    color: var(--pulse-muted);
    font-size: 12px;
  }
  .step dd {
    margin: 0;
  }
  .step pre {
    margin: 2px 0 4px;
    max-height: 160px;
    overflow: auto;
    padding: 6px;
    border-radius: 6px;
    background: var(--pulse-bg);
    font: 12px/1.4 ui-monospace, Menlo, Consolas, monospace;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .ask {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 6px;
    padding: 0 8px 8px;
  }
  .ask p {
    flex-basis: 100%;
    margin: 0;
  }
  .ask button {
    font: inherit;
    padding: 4px 12px;
    border-radius: 6px;
    border: 1px solid var(--pulse-border);
    background: var(--pulse-bg);
    color: var(--pulse-fg);
    cursor: pointer;
  }
  .ask .allow {
    background: var(--pulse-accent);
    border-color: var(--pulse-accent);
    color: var(--pulse-on-accent);
  }
`);
