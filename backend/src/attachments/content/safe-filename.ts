import { cleanText } from '../../common/clean-text.js';

const MAX_LENGTH = 255;

// Control characters (C0, DEL, C1); and the bidirectional overrides and isolates, with which
// 'invoice\u202Egpj.exe' shows as 'invoiceexe.jpg'.
const UNSAFE = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
// Characters Windows refuses in a file name: a download named with them would be renamed or fail.
const RESERVED = /[<>:"|?*]/g;

/**
 * A file name fit to store and to offer back as a download: the last part of a path only,
 * no control or direction-changing characters, NFC, at most 255 characters (the extension kept),
 * and 'file' when nothing is left.
 */
export function safeFilename(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  // A lone surrogate is no character: cleanText makes it U+FFFD, which every client can encode.
  const cleaned = cleanText(base)
    .normalize('NFC')
    .replace(UNSAFE, '')
    .replace(RESERVED, '_')
    .trim()
    // Windows drops trailing dots and spaces; '.' and '..' name directories.
    .replace(/[. ]+$/, '');
  if (cleaned === '') return 'file';
  return truncate(cleaned);
}

/** The name's extension, lower case, without the dot; '' when it has none. */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

function truncate(name: string): string {
  const chars = Array.from(name);
  if (chars.length <= MAX_LENGTH) return name;
  const extension = extensionOf(name);
  // A long "extension" is part of the name, not a type: cut it like the rest.
  const keep = extension.length > 0 && extension.length <= 16 ? name.slice(name.lastIndexOf('.')) : '';
  const stem = chars.slice(0, MAX_LENGTH - Array.from(keep).length).join('');
  return stem + keep;
}
