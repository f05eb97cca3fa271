import { fileTypeFromBuffer } from 'file-type';
import { AppError, type ErrorCode } from '../../common/app-error.js';
import type { AttachmentMediaType } from '../../config/attachment-types.js';
import type { SniffedType } from './attachment-content.js';
import { DETECTED_TYPES, MEDIA_TYPES, mediaTypeOfExtension } from './media-types.js';
import { extensionOf, safeFilename } from './safe-filename.js';

/** How many first bytes sniffType wants: file-type's own reading window. */
export const SNIFF_BYTES = 4100;

// File types that carry scripts when a browser opens them, by file-type's answer or by name.
const ACTIVE_DETECTED = new Set(['xml', 'html', 'htm', 'xhtml', 'svg']);
const ACTIVE_EXTENSIONS = new Set([
  'html',
  'htm',
  'xhtml',
  'xht',
  'shtml',
  'mht',
  'mhtml',
  'svg',
  'svgz',
  'xml',
  'xsl',
  'xslt',
  'hta',
]);
// Tab, line feed, form feed, carriage return and escape (colours in a saved terminal log).
const TEXT_CONTROLS = new Set([0x09, 0x0a, 0x0c, 0x0d, 0x1b]);
// How an HTML, SVG or XML file begins (after a BOM, white space and comments), lower case.
const ACTIVE_OPENINGS = [
  '<!doctype html',
  '<html',
  '<head',
  '<body',
  '<script',
  '<iframe',
  '<svg',
  '<!doctype svg',
  '<?xml',
];

/**
 * Decides what a file is from its first bytes (SNIFF_BYTES of them, or the whole file if it is
 * shorter), never from its name alone: the name only picks among text types and must not claim
 * another type than the bytes. Refuses with an AppError whose message names the file.
 */
export async function sniffType(
  head: Uint8Array,
  filename: string,
  allowed: ReadonlySet<AttachmentMediaType>,
): Promise<SniffedType> {
  const name = safeFilename(filename);
  const refuse = (code: ErrorCode, message: string) => new AppError(code, message, { field: 'file' });
  if (head.length === 0) throw refuse('ATTACHMENT_EMPTY', `"${name}" is empty.`);

  const extension = extensionOf(name);
  if (ACTIVE_EXTENSIONS.has(extension)) throw refuse('ATTACHMENT_ACTIVE_CONTENT', activeMessage(name));

  const detected = await fileTypeFromBuffer(head);
  let mediaType: AttachmentMediaType;
  if (detected) {
    if (ACTIVE_DETECTED.has(detected.ext)) throw refuse('ATTACHMENT_ACTIVE_CONTENT', activeMessage(name));
    const known = DETECTED_TYPES.get(detected.ext);
    if (!known) {
      throw refuse(
        'ATTACHMENT_TYPE_NOT_ALLOWED',
        `"${name}" is a file of type ${detected.ext.toUpperCase()}. ${accepted(allowed)}`,
      );
    }
    mediaType = known;
  } else {
    if (opensAsMarkup(head)) throw refuse('ATTACHMENT_ACTIVE_CONTENT', activeMessage(name));
    const text = textKind(head);
    if (text === 'binary') {
      throw refuse('ATTACHMENT_TYPE_NOT_ALLOWED', `"${name}" is not a type Pulse can read. ${accepted(allowed)}`);
    }
    if (text === 'not-utf8') {
      throw refuse(
        'ATTACHMENT_UNREADABLE',
        `"${name}" is text but not in UTF-8. Save it as UTF-8 and attach it again.`,
      );
    }
    const named = mediaTypeOfExtension(extension);
    mediaType = named && MEDIA_TYPES[named].kind === 'text' ? named : 'text/plain';
  }

  const info = MEDIA_TYPES[mediaType];
  if (!allowed.has(mediaType))
    throw refuse('ATTACHMENT_TYPE_NOT_ALLOWED', `"${name}" is ${info.label}. ${accepted(allowed)}`);
  const claimed = mediaTypeOfExtension(extension);
  if (claimed && claimed !== mediaType) {
    throw refuse(
      'ATTACHMENT_TYPE_MISMATCH',
      `"${name}" is named like ${MEDIA_TYPES[claimed].label} but is ${info.label}. Rename it to .${info.extension} and attach it again.`,
    );
  }
  return { mediaType, kind: info.kind, extension: info.extension };
}

function activeMessage(name: string): string {
  return `"${name}" is an HTML, SVG or XML file. Those can carry scripts, so Pulse does not accept them.`;
}

function accepted(allowed: ReadonlySet<AttachmentMediaType>): string {
  const labels = [...allowed].map((type) => MEDIA_TYPES[type].label.replace(/^an? /, ''));
  return `Pulse accepts ${labels.join(', ')}.`;
}

/**
 * Whether the bytes begin like an HTML, SVG or XML document. Only the opening counts: a Markdown
 * file that shows a `<script>` tag in its third paragraph is text, and is served as text.
 */
function opensAsMarkup(head: Uint8Array): boolean {
  let text = new TextDecoder('utf-8').decode(head.subarray(0, 1024)).toLowerCase();
  for (;;) {
    text = text.replace(/^[\ufeff\s]+/, '');
    if (!text.startsWith('<!--')) break;
    const end = text.indexOf('-->');
    // A comment that runs past the window hides what follows: treat the file as markup.
    if (end < 0) return true;
    text = text.slice(end + 3);
  }
  return ACTIVE_OPENINGS.some((opening) => text.startsWith(opening));
}

/**
 * 'text' for UTF-8 without NUL (a BOM is fine, and so is a character cut by the end of the
 * window); 'not-utf8' for what reads like text in an older encoding (Windows-1252: no NUL and
 * no control characters but white space and escape); 'binary' for everything else.
 */
function textKind(head: Uint8Array): 'text' | 'not-utf8' | 'binary' {
  if (head.includes(0)) return 'binary';
  try {
    // stream: true holds back an incomplete last character (for a next call that never comes)
    // instead of refusing it: the window may end inside one.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return 'text';
  } catch {
    const control = head.some((byte) => byte < 0x20 && !TEXT_CONTROLS.has(byte));
    return control ? 'binary' : 'not-utf8';
  }
}
