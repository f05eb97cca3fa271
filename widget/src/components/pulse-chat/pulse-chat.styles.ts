/**
 * Plain CSS text adopted as a constructable stylesheet: the bubble ships without Lit so that
 * it stays inside the 6 KB first-paint budget, and adoptedStyleSheets work under a strict CSP.
 * The host's placement is `!important`: in the cascade an `!important` from the shadow tree beats
 * the page's, so a reset such as `* { all: unset !important }` cannot unpin the bubble.
 */
export const styles = /* css */ `
:host {
  /* One palette: light-dark() picks by the host's color-scheme, which follows the user's setting
     unless the theme attribute pins it. */
  color-scheme: light dark;
  --pulse-accent: light-dark(#1d4ed8, #2563eb);
  --pulse-on-accent: #fff;
  --pulse-bg: light-dark(#fff, #111827);
  --pulse-fg: light-dark(#111827, #f3f4f6);
  --pulse-muted: light-dark(#4b5563, #9ca3af);
  --pulse-surface: light-dark(#f3f4f6, #1f2937);
  --pulse-border: light-dark(#d1d5db, #4b5563);
  --pulse-danger: light-dark(#b91c1c, #fca5a5);
  --pulse-focus: light-dark(#1d4ed8, #93c5fd);
  --pulse-radius: 16px;
  --pulse-font: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
  --accent: var(--pulse-accent);
  --launcher-size: 56px;
  --panel-width: 380px;
  --panel-height: min(600px, calc(100vh - 120px));
  --z-index: 2147483000;
  font: 15px/1.45 var(--pulse-font);
  color: var(--pulse-fg);
}
:host([theme='light']) { color-scheme: light; }
:host([theme='dark']) { color-scheme: dark; }
:host([hidden]) { display: none; }
:host(:not([inline])) {
  position: fixed !important;
  inset-block-end: 20px !important;
  inset-inline-end: 20px !important;
  z-index: var(--z-index) !important;
}
:host([position='bottom-left']) { inset-inline: 20px auto !important; }
:host([inline]) { display: block; height: 100%; }
.launcher {
  font: 15px/1 var(--pulse-font);
  width: var(--launcher-size);
  height: var(--launcher-size);
  border: 0;
  border-radius: 50%;
  background: var(--accent);
  color: var(--pulse-on-accent);
  cursor: pointer;
  display: grid;
  place-items: center;
  position: relative;
  box-shadow: 0 4px 14px rgb(0 0 0 / 0.25);
  transition: transform 0.15s ease;
}
.launcher:hover { transform: scale(1.05); }
:host([inline]) .launcher { display: none; }
.launcher:focus-visible, .panel:focus-visible { outline: 3px solid var(--pulse-focus); outline-offset: 3px; }
.launcher svg, .launcher img { width: 28px; height: 28px; }
.badge {
  position: absolute;
  inset-block-start: -4px;
  inset-inline-end: -4px;
  min-width: 20px;
  height: 20px;
  padding: 0 5px;
  box-sizing: border-box;
  border-radius: 10px;
  background: #b91c1c;
  color: #fff;
  font-size: 12px;
  line-height: 20px;
  font-weight: 600;
}
.badge[hidden] { display: none; }
.panel {
  /* Inherited text styles from the host page (a global '* { font: ... }') stop here. */
  all: initial;
  display: block;
  font: 15px/1.45 var(--pulse-font);
  color: var(--pulse-fg);
  box-sizing: border-box;
  position: absolute;
  inset-block-end: calc(var(--launcher-size) + 16px);
  inset-inline-end: 0;
  width: var(--panel-width);
  height: var(--panel-height);
  background: var(--pulse-bg);
  border: 1px solid var(--pulse-border);
  border-radius: var(--pulse-radius);
  box-shadow: 0 12px 40px rgb(0 0 0 / 0.3);
  overflow: hidden;
  opacity: 0;
  transform: translateY(12px) scale(0.98);
  visibility: hidden;
  transition: opacity 0.2s ease, transform 0.2s ease, visibility 0s linear 0.2s;
}
:host([position='bottom-left']) .panel { inset-inline: 0 auto; }
:host([open]) .panel {
  opacity: 1;
  transform: none;
  visibility: visible;
  transition: opacity 0.2s ease, transform 0.2s ease;
}
:host([inline]) .panel {
  position: static;
  width: 100%;
  height: 100%;
  opacity: 1;
  transform: none;
  visibility: visible;
  box-shadow: none;
}
@media (prefers-reduced-motion: reduce) {
  .panel, :host([open]) .panel, .launcher { transition: none; }
}
@media (max-width: 480px) {
  :host(:not([inline])[open]) .panel {
    position: fixed;
    inset: 0;
    width: 100%;
    height: 100%;
    border-radius: 0;
    border: 0;
  }
  :host(:not([inline])[open]) .launcher { visibility: hidden; }
}
`;
