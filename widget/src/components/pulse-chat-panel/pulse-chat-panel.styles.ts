import { css } from 'lit';

/** Colours come from the `--pulse-*` tokens set on `<pulse-chat>`, which inherit through the shadow boundary. */
export const styles = css`
  :host {
    display: flex;
    flex-direction: column;
    height: 100%;
    background: var(--pulse-bg);
    color: var(--pulse-fg);
  }
  header {
    display: flex;
    align-items: center;
    gap: 4px;
    padding: 10px 12px;
    background: var(--accent, var(--pulse-accent));
    color: var(--pulse-on-accent);
  }
  h2 {
    flex: 1;
    margin: 0;
    font-size: 16px;
    font-weight: 600;
  }
  button {
    font: inherit;
    color: inherit;
    cursor: pointer;
  }
  header button {
    display: grid;
    place-items: center;
    width: 36px;
    height: 36px;
    border: 0;
    border-radius: 8px;
    background: transparent;
  }
  header button:hover,
  header button[aria-pressed='true'] {
    background: rgb(255 255 255 / 0.18);
  }
  :focus-visible {
    outline: 3px solid var(--pulse-focus);
    outline-offset: 2px;
  }
  header :focus-visible {
    outline-color: var(--pulse-on-accent);
  }
  .body {
    flex: 1;
    overflow-y: auto;
    padding: 12px;
  }
  pulse-sessions-list {
    display: contents;
  }
  .list {
    list-style: none;
    margin: 0;
    padding: 0;
    display: flex;
    flex-direction: column;
    gap: 8px;
  }
  .msg {
    max-width: 85%;
    padding: 8px 12px;
    border-radius: 14px;
    overflow-wrap: anywhere;
  }
  .user {
    align-self: flex-end;
    background: var(--pulse-accent);
    color: var(--pulse-on-accent);
  }
  .text {
    white-space: pre-wrap;
  }
  .assistant {
    align-self: flex-start;
    background: var(--pulse-surface);
  }
  .failed {
    opacity: 0.85;
  }
  .note {
    font-size: 13px;
    margin-top: 4px;
    color: var(--pulse-muted);
  }
  .user .note {
    color: inherit;
  }
  .md > :first-child {
    margin-top: 0;
  }
  .md > :last-child {
    margin-bottom: 0;
  }
  .md a {
    color: inherit;
    text-decoration: underline;
  }
  .md pre {
    overflow-x: auto;
    padding: 8px;
    border-radius: 8px;
    background: var(--pulse-bg);
  }
  .md code {
    font-family: ui-monospace, Menlo, Consolas, monospace;
    font-size: 13px;
  }
  .md table {
    border-collapse: collapse;
    display: block;
    overflow-x: auto;
  }
  .md th,
  .md td {
    border: 1px solid var(--pulse-border);
    padding: 4px 8px;
    text-align: start;
  }
  .md ul,
  .md ol {
    padding-inline-start: 20px;
  }
  .typing {
    display: inline-flex;
    gap: 4px;
    padding: 4px 0;
  }
  .typing i {
    width: 7px;
    height: 7px;
    border-radius: 50%;
    background: var(--pulse-muted);
    animation: blink 1.2s infinite both;
  }
  .typing i:nth-child(2) {
    animation-delay: 0.2s;
  }
  .typing i:nth-child(3) {
    animation-delay: 0.4s;
  }
  @keyframes blink {
    0%,
    80%,
    100% {
      opacity: 0.3;
    }
    40% {
      opacity: 1;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .typing i {
      animation: none;
    }
  }
  .starters {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    margin-top: 12px;
  }
  .starter {
    border: 1px solid var(--pulse-accent);
    border-radius: 16px;
    padding: 6px 12px;
    background: var(--pulse-bg);
    color: var(--pulse-fg);
  }
  .link {
    border: 0;
    background: none;
    padding: 4px;
    text-decoration: underline;
  }
  .danger {
    color: var(--pulse-danger);
  }
  .earlier {
    display: block;
    margin: 0 auto 8px;
  }
  .session {
    display: flex;
    align-items: center;
    gap: 4px;
    border-bottom: 1px solid var(--pulse-border);
    padding-bottom: 6px;
  }
  .session .open {
    flex: 1;
    text-align: start;
    border: 0;
    background: none;
    padding: 6px 4px;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .session.current .open {
    font-weight: 600;
  }
  .rename {
    display: flex;
    flex: 1;
    gap: 4px;
  }
  input,
  textarea {
    font: inherit;
    color: var(--pulse-fg);
    background: var(--pulse-bg);
    border: 1px solid var(--pulse-border);
    border-radius: 8px;
    padding: 6px 8px;
  }
  .rename input {
    flex: 1;
  }
  form[part='composer'] {
    display: flex;
    flex-wrap: wrap;
    align-items: flex-end;
    gap: 8px;
    padding: 10px 12px;
    border-top: 1px solid var(--pulse-border);
  }
  textarea {
    flex: 1;
    resize: none;
    field-sizing: content;
    min-height: 24px;
    max-height: 160px;
  }
  .send {
    display: grid;
    place-items: center;
    width: 40px;
    height: 40px;
    border: 0;
    border-radius: 50%;
    background: var(--accent, var(--pulse-accent));
    color: var(--pulse-on-accent);
  }
  .send[aria-disabled='true'] {
    opacity: 0.5;
    cursor: default;
  }
  .tool {
    display: grid;
    place-items: center;
    width: 32px;
    height: 40px;
    padding: 0;
    border: 0;
    border-radius: 8px;
    background: none;
  }
  .tool:hover {
    background: var(--pulse-surface);
  }
  .errors:empty {
    display: none;
  }
  .signin,
  .empty {
    color: var(--pulse-muted);
  }
  .md pre {
    position: relative;
  }
  .copy-code {
    float: inline-end;
    border: 1px solid var(--pulse-border);
    border-radius: 6px;
    background: var(--pulse-surface);
    font-size: 12px;
    padding: 2px 6px;
  }
  .md p,
  .md ul,
  .md ol,
  .md pre,
  .md blockquote,
  .md table {
    margin: 0 0 8px;
  }
  .md li > ul,
  .md li > ol {
    margin: 0;
  }
  .md ul {
    list-style: disc;
  }
  .md ul ul {
    list-style: circle;
  }
  .md blockquote {
    padding-inline-start: 10px;
    border-inline-start: 3px solid var(--pulse-border);
  }
  .actions {
    display: flex;
    align-items: center;
    gap: 2px;
    margin-top: 2px;
    font-size: 12px;
    color: var(--pulse-muted);
  }
  .user .actions {
    color: inherit;
    justify-content: flex-end;
  }
  .versions {
    display: inline-flex;
    align-items: center;
  }
  /* Previous points to the start of the line, which is on the right in Arabic. */
  .versions svg:dir(rtl) {
    transform: scaleX(-1);
  }
  .act {
    display: inline-grid;
    place-items: center;
    border: 0;
    background: none;
    min-width: 24px;
    min-height: 24px;
    border-radius: 6px;
    padding: 0 4px;
    line-height: 1;
  }
  .act:hover,
  .act[aria-pressed='true'] {
    background: rgb(128 128 128 / 0.25);
  }
  time {
    margin-inline-end: 4px;
  }
  .day {
    align-self: center;
    font-size: 12px;
    color: var(--pulse-muted);
  }
  .inline {
    display: flex;
    flex-wrap: wrap;
    gap: 4px;
    margin-top: 4px;
  }
  .inline textarea {
    flex-basis: 100%;
    min-height: 48px;
  }
  .search {
    box-sizing: border-box;
    width: 100%;
    margin-bottom: 8px;
  }
  .snippet {
    display: block;
    font-size: 12px;
    color: var(--pulse-muted);
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .confirm {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 4px;
    flex: 1;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
