/**
 * Markdown to HTML that is safe by construction, then checked again.
 *
 * Why our own: snarkdown joined paragraphs with `<br>` and had no nested lists, and DOMPurify
 * (10.7 KB brotli) left no room in the 25 KB budget for the message controls and languages.
 * Here every character of the answer is escaped before any tag is made, so no tag the model
 * writes is ever parsed; the only tags are the ones below, and the only attribute from the
 * answer is a link's href, which must be http(s) or mailto. `clean()` is the second lock: the
 * result is parsed in an inert <template> and anything outside that allowlist is removed.
 * Images are never made: remote images in model output are a known exfiltration channel
 * (prompt injection can encode data in an image URL).
 */

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const SAFE_URL = /^(https?:|mailto:)/i;

/** Inline spans of one already-escaped line: code, links, bold, italic, strike. */
function inline(text: string): string {
  const code: string[] = [];
  return (
    esc(text)
      // Code spans first, held aside so nothing inside them is formatted.
      .replace(/`([^`]+)`/g, (_, c: string) => `\ue000${code.push(c) - 1}\ue000`)
      // An image shows its alt text only.
      .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/\[([^\]]+)\]\(\s*([^)\s]+)\s*\)/g, (all, label: string, href: string) =>
        SAFE_URL.test(href) ? `<a href="${href}" target="_blank" rel="noopener noreferrer">${label}</a>` : label,
      )
      .replace(/(\*\*|__)(?=\S)(.+?)\1/g, '<strong>$2</strong>')
      // Not inside words: snake_case_names stay as they are.
      .replace(/(^|[^\w*])(\*|_)(?=\S)(.+?)\2(?![\w*])/g, '$1<em>$3</em>')
      .replace(/~~(.+?)~~/g, '<del>$1</del>')
      .replace(/\ue000(\d+)\ue000/g, (_, i: string) => `<code>${code[+i]}</code>`)
  );
}

const LIST = /^( *)([-*+]|\d+[.)]) +(.*)$/;
const FENCE = /^ *(`{3,}|~{3,})/;
const TABLE_SEP = /^ *\|? *:?-+:? *(\| *:?-+:? *)*\|? *$/;
const indentOf = (line: string) => /^ */.exec(line)![0].length;

const cells = (row: string) =>
  row
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((c) => c.trim());

/** Renders block structure: paragraphs, headings, code, quotes, rules, tables, nested lists. */
function blocks(lines: string[], copyLabel: string): string {
  let out = '';
  for (let i = 0; i < lines.length;) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    let m: RegExpExecArray | null;
    if (!line.trim()) i++;
    else if (fence) {
      const body: string[] = [];
      while (++i < lines.length && !lines[i]!.trim().startsWith(fence[1]!)) body.push(lines[i]!);
      i++;
      const copy = copyLabel && `<button type="button" class="copy-code">${esc(copyLabel)}</button>`;
      out += `<pre>${copy}<code>${esc(body.join('\n'))}</code></pre>`;
    } else if ((m = /^ {0,3}(#{1,6}) +(.*?)#*$/.exec(line))) {
      out += `<h${m[1]!.length}>${inline(m[2]!)}</h${m[1]!.length}>`;
      i++;
    } else if (/^ {0,3}([-*_])( *\1){2,} *$/.test(line)) {
      out += '<hr>';
      i++;
    } else if (/^ *>/.test(line)) {
      const quote: string[] = [];
      while (i < lines.length && /^ *>/.test(lines[i]!)) quote.push(lines[i++]!.replace(/^ *> ?/, ''));
      out += `<blockquote>${blocks(quote, copyLabel)}</blockquote>`;
    } else if (line.includes('|') && TABLE_SEP.test(lines[i + 1] ?? '') && lines[i + 1]!.includes('-')) {
      const row = (r: string, tag: string) =>
        '<tr>' +
        cells(r)
          .map((c) => `<${tag}>${inline(c)}</${tag}>`)
          .join('') +
        '</tr>';
      out += `<table><thead>${row(line, 'th')}</thead><tbody>`;
      for (i += 2; i < lines.length && lines[i]!.includes('|') && lines[i]!.trim(); i++) out += row(lines[i]!, 'td');
      out += '</tbody></table>';
    } else if (LIST.test(line)) {
      out += list(lines, i, copyLabel);
      i = listEnd(lines, i);
    } else {
      const para: string[] = [];
      while (i < lines.length && lines[i]!.trim() && !startsBlock(lines, i)) para.push(lines[i++]!.trim());
      // Inside a paragraph a single line break is kept, as chat users expect.
      out += `<p>${para.map(inline).join('<br>')}</p>`;
    }
  }
  return out;
}

function startsBlock(lines: string[], i: number): boolean {
  const line = lines[i]!;
  return (
    FENCE.test(line) ||
    /^ {0,3}(#{1,6} |>)/.test(line) ||
    LIST.test(line) ||
    (line.includes('|') && TABLE_SEP.test(lines[i + 1] ?? '') && lines[i + 1]!.includes('-'))
  );
}

/**
 * Where the list starting at `start` ends: at a line less indented than its items that is not
 * one of them, or at a blank line followed by something that is neither an item nor indented.
 */
function listEnd(lines: string[], start: number): number {
  const base = indentOf(lines[start]!);
  let i = start + 1;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) {
      const next = lines.slice(i + 1).find((l) => l.trim());
      if (!next || (indentOf(next) <= base && !LIST.test(next))) break;
    } else if (indentOf(line) < base || (indentOf(line) === base && !LIST.test(line) && !lines[i - 1]!.trim())) break;
  }
  return i;
}

/** One list (ordered or not) and its items; an item's indented lines are rendered as blocks. */
function list(lines: string[], start: number, copyLabel: string): string {
  const end = listEnd(lines, start);
  const base = indentOf(lines[start]!);
  const ordered = /\d/.test(LIST.exec(lines[start]!)![2]!);
  // A blank line between items makes a loose list: its items hold paragraphs.
  const loose = lines.slice(start, end - 1).some((l) => !l.trim());
  let out = '';
  for (let i = start; i < end;) {
    const m = LIST.exec(lines[i]!)!;
    const body = [m[3]!];
    while (++i < end && !(indentOf(lines[i]!) === base && LIST.test(lines[i]!)))
      body.push(lines[i]!.slice(Math.min(indentOf(lines[i]!), base + m[2]!.length + 1)));
    const html = blocks(body, copyLabel);
    out += `<li>${loose ? html : html.replace(/^<p>(.*?)<\/p>/, '$1')}</li>`;
  }
  const n = ordered ? parseInt(LIST.exec(lines[start]!)![2]!, 10) : 1;
  return ordered ? `<ol${n === 1 ? '' : ` start="${n}"`}>${out}</ol>` : `<ul>${out}</ul>`;
}

const ALLOWED = /^(P|BR|STRONG|EM|DEL|CODE|PRE|A|UL|OL|LI|H[1-6]|HR|BLOCKQUOTE|TABLE|THEAD|TBODY|TR|TH|TD|BUTTON)$/;

const TAGS = 'p br strong em del code pre a ul ol li h1 h2 h3 h4 h5 h6 hr blockquote table thead tbody tr th td button';

/**
 * The second lock: whatever the renderer made, only allowlisted tags and attributes survive. The
 * browser's own sanitizer (the HTML Sanitizer API, `setHTML`) parses it where there is one; the
 * walk below then narrows attributes to their elements, and is the whole check elsewhere.
 */
function clean(html: string): string {
  const t = document.createElement('template');
  const box = t.content.appendChild(document.createElement('div')) as HTMLElement & {
    setHTML?: (html: string, options: object) => void;
  };
  if (box.setHTML)
    box.setHTML(html, {
      sanitizer: { elements: TAGS.split(' '), attributes: ['href', 'target', 'rel', 'start', 'type', 'class'] },
    });
  else box.innerHTML = html;
  for (const el of box.querySelectorAll('*')) {
    if (!ALLOWED.test(el.tagName) || (el.tagName === 'BUTTON' && el.className !== 'copy-code')) {
      el.replaceWith(el.textContent);
      continue;
    }
    for (const { name, value } of Array.from(el.attributes))
      if (
        !(el.tagName === 'A' && (name === 'target' || name === 'rel' || (name === 'href' && SAFE_URL.test(value)))) &&
        !(name === 'start' && el.tagName === 'OL') &&
        !(el.tagName === 'BUTTON' && (name === 'type' || name === 'class'))
      )
        el.removeAttribute(name);
  }
  return box.innerHTML;
}

/** Sanitized HTML for an answer; `copyLabel` names the copy button of each code block (none when empty). */
export function renderMarkdown(md: string, copyLabel = 'Copy code'): string {
  return clean(
    blocks(
      md
        .replace(/\ue000/g, '')
        .replace(/\r\n?/g, '\n')
        .replace(/\t/g, '    ')
        .split('\n'),
      copyLabel,
    ),
  );
}
