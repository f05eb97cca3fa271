import { AppError } from '../../common/app-error.js';
import { cleanText } from '../../common/clean-text.js';
import type { AttachmentMediaType } from '../../config/attachment-types.js';
import type { ExtractedText } from './attachment-content.js';
import { docxText } from './docx-text.js';
import { pdfText } from './pdf-text.js';

/**
 * The text of a text, PDF or DOCX file whose type sniffType decided. Refuses (AppError) a file
 * that is damaged, locked, has no text, or has more than `maxPages` pages.
 */
export async function extractText(
  mediaType: AttachmentMediaType,
  bytes: Uint8Array,
  opts: { maxPages: number },
): Promise<ExtractedText> {
  switch (mediaType) {
    case 'application/pdf':
      return pdfText(bytes, opts.maxPages);
    case 'application/vnd.openxmlformats-officedocument.wordprocessingml.document':
      return docxText(bytes);
    case 'text/plain':
    case 'text/markdown':
    case 'text/csv':
      return plainText(bytes);
    default:
      throw new Error(`extractText: ${mediaType} has no text to extract`);
  }
}

function plainText(bytes: Uint8Array): ExtractedText {
  let decoded: string;
  try {
    // fatal: a byte that is not UTF-8 refuses the file rather than becoming U+FFFD in what the
    // model reads. The decoder drops a leading BOM itself.
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new AppError('ATTACHMENT_UNREADABLE', 'This file is not UTF-8 text. Save it as UTF-8 and attach it again.', {
      field: 'file',
    });
  }
  const text = cleanText(decoded).replace(/\r\n?/g, '\n');
  if (text.trim() === '') {
    throw new AppError('ATTACHMENT_NO_TEXT', 'This file holds only white space.', { field: 'file' });
  }
  return { passages: [{ page: null, text }] };
}
