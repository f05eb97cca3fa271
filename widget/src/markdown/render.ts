import DOMPurify from 'dompurify';
import snarkdown from 'snarkdown';

/**
 * Markdown to sanitized HTML. snarkdown (1 KB) covers lists, code, links and emphasis; GFM
 * tables are split out here because snarkdown has none and marked (14 KB brotli) does not fit
 * the 25 KB budget. DOMPurify then removes what the parser itself can emit but must not
 * survive: `javascript:`/`data:` link targets, images (see below), anything unexpected.
 */
const TABLE_SEP = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

const cells = (row: string) =>
  row
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((c) => c.trim());

function table(lines: string[]): string {
  const row = (r: string, tag: string) =>
    '<tr>' +
    cells(r)
      .map((c) => `<${tag}>${snarkdown(c)}</${tag}>`)
      .join('') +
    '</tr>';
  return `<table><thead>${row(lines[0]!, 'th')}</thead><tbody>${lines
    .slice(2)
    .map((r) => row(r, 'td'))
    .join('')}</tbody></table>`;
}

function toHtml(md: string): string {
  const lines = md.split('\n');
  const out: string[] = [];
  let text: string[] = [];
  let fenced = false;
  const flush = () => {
    if (text.length) out.push(snarkdown(text.join('\n')));
    text = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*```/.test(line)) fenced = !fenced;
    if (!fenced && line.includes('|') && TABLE_SEP.test(lines[i + 1] ?? '') && lines[i + 1]!.includes('-')) {
      flush();
      const rows = [line, lines[++i]!];
      while (i + 1 < lines.length && lines[i + 1]!.includes('|') && lines[i + 1]!.trim()) rows.push(lines[++i]!);
      out.push(table(rows));
    } else text.push(line);
  }
  flush();
  return out.join('');
}

let hooked = false;

export function renderMarkdown(md: string): string {
  if (!hooked) {
    hooked = true;
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A') {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer');
      }
    });
  }
  // Raw HTML in an answer is shown as text: escaping '<' up front means no tag the model writes
  // is ever parsed, so a strict CSP sees no inline handler even inside DOMPurify's inert
  // document. snarkdown escapes code itself but leaves '&' alone, so code still shows '<'.
  return DOMPurify.sanitize(toHtml(md.replace(/</g, '&lt;')), {
    USE_PROFILES: { html: true },
    // Remote images in model output are a known exfiltration channel (prompt injection can
    // encode data in an image URL), and forms or media have no place in a chat answer.
    FORBID_TAGS: [
      'img',
      'style',
      'form',
      'input',
      'button',
      'textarea',
      'select',
      'iframe',
      'video',
      'audio',
      'source',
    ],
    FORBID_ATTR: ['style', 'id', 'name'],
  });
}
