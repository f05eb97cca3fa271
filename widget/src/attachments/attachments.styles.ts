/**
 * The attachments' styles, adopted into the panel's shadow root when their chunk loads (a
 * constructable stylesheet: no lit here, see attachments.ts, and nothing a strict CSP refuses).
 */
export const styles = new CSSStyleSheet();
styles.replaceSync(/* css */ `
  :host {
    position: relative;
  }
  .tray,
  .files {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .tray,
  .rec,
  .errors {
    flex-basis: 100%;
  }
  .tray li {
    position: relative;
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 4px;
    max-width: 100%;
    padding: 4px 6px;
    border: 1px solid var(--pulse-border);
    border-radius: 8px;
    font-size: 12px;
  }
  .tray .pic {
    width: 64px;
    height: 64px;
    padding: 0;
    overflow: hidden;
  }
  .pic img {
    width: 100%;
    height: 100%;
    object-fit: cover;
  }
  .pic .x {
    position: absolute;
    top: 2px;
    inset-inline-end: 2px;
    background: var(--pulse-bg);
    border-radius: 50%;
  }
  progress {
    width: 100%;
    height: 4px;
    accent-color: var(--pulse-accent);
  }
  .pic progress {
    position: absolute;
    bottom: 2px;
    inset-inline: 4px;
    width: auto;
  }
  .name {
    max-width: 160px;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  small {
    color: var(--pulse-muted);
  }
  q {
    flex-basis: 100%;
    font-style: italic;
  }
  .rec {
    display: flex;
    align-items: center;
    gap: 6px;
  }
  .rec i {
    width: 10px;
    height: 10px;
    border-radius: 50%;
    background: var(--pulse-danger);
  }
  .rec .act {
    border: 1px solid var(--pulse-border);
  }
  .errors p {
    margin: 0;
    font-size: 13px;
    color: var(--pulse-danger);
  }
  .files {
    margin-top: 4px;
  }
  .thumb {
    display: block;
    max-width: 100%;
    max-height: 200px;
    border-radius: 8px;
  }
  .files .chip {
    display: flex;
    align-items: center;
    gap: 4px;
    padding: 4px 8px;
    border: 1px solid var(--pulse-border);
    border-radius: 8px;
    background: var(--pulse-bg);
    color: var(--pulse-fg);
    font-size: 12px;
  }
  .voice {
    display: flex;
    align-items: center;
    gap: 4px;
  }
  .drop {
    position: absolute;
    inset: 0;
    display: grid;
    place-items: center;
    padding: 24px;
    border: 3px dashed var(--pulse-accent);
    background: color-mix(in srgb, var(--pulse-bg) 90%, transparent);
    font-weight: 600;
    text-align: center;
    pointer-events: none;
  }
`);
