import mammoth from 'mammoth';
import { AppError } from '../../common/app-error.js';
import { cleanText } from '../../common/clean-text.js';
import type { ExtractedText } from './attachment-content.js';
import { zipUnpacksWithin } from './zip-unpacked-size.js';

/**
 * The most a DOCX's XML parts may unpack to. A 1,000-page report's document.xml is about 30 MB;
 * mammoth holds the parsed XML as objects several times that size.
 */
export const DOCX_MAX_UNPACKED_BYTES = 64 * 1024 * 1024;

/** A DOCX's text, its paragraphs separated by blank lines (mammoth's raw text). */
export async function docxText(bytes: Uint8Array): Promise<ExtractedText> {
  const xmlPart = (name: string) => name.endsWith('.xml') || name.endsWith('.rels');
  if (zipUnpacksWithin(bytes, DOCX_MAX_UNPACKED_BYTES, xmlPart) === false) {
    throw new AppError(
      'ATTACHMENT_UNREADABLE',
      `This Word document unpacks to more than ${DOCX_MAX_UNPACKED_BYTES / 1024 / 1024} MB of text and markup, more than Pulse reads.`,
      { field: 'file' },
    );
  }
  let raw: string;
  try {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    raw = (await mammoth.extractRawText({ buffer })).value;
  } catch {
    throw new AppError('ATTACHMENT_UNREADABLE', 'This Word document is damaged and cannot be read.', { field: 'file' });
  }
  const text = cleanText(raw)
    .replace(/\r\n?/g, '\n')
    .replace(/[^\S\n]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  if (text === '') {
    throw new AppError('ATTACHMENT_NO_TEXT', 'This Word document has no text to read.', { field: 'file' });
  }
  return { passages: [{ page: null, text }] };
}
