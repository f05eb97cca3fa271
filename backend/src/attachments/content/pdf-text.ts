import { getDocumentProxy } from 'unpdf';
import { AppError } from '../../common/app-error.js';
import { cleanText } from '../../common/clean-text.js';
import type { ExtractedText, TextPassage } from './attachment-content.js';

type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;

/** pdf.js's VerbosityLevel.ERRORS: its warnings about damaged files are not ours to print. */
const ERRORS_ONLY = 0;

/**
 * Each page's text, read page by page (a page's data is let go before the next is read). The
 * page count is checked before any text is read: a 5,000-page file costs one parse of its
 * cross-reference table, not 5,000 pages.
 */
export async function pdfText(bytes: Uint8Array, maxPages: number): Promise<ExtractedText> {
  const pdf = await open(bytes);
  try {
    const pageCount = pdf.numPages;
    if (pageCount > maxPages) {
      throw new AppError(
        'ATTACHMENT_TOO_MANY_PAGES',
        `This PDF has ${pageCount} pages; Pulse reads PDFs of up to ${maxPages} pages.`,
        { field: 'file' },
      );
    }
    const passages: TextPassage[] = [];
    for (let number = 1; number <= pageCount; number++) {
      const text = await pageText(pdf, number);
      if (text !== '') passages.push({ page: number, text });
    }
    if (passages.length === 0) {
      throw new AppError(
        'ATTACHMENT_NO_TEXT',
        'This PDF has no text to read: it looks like a scan. Attach the pages as images, or a PDF with a text layer.',
        { field: 'file' },
      );
    }
    return { passages, pageCount };
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw unreadable();
  } finally {
    await pdf.loadingTask.destroy();
  }
}

async function open(bytes: Uint8Array): Promise<PdfDocument> {
  try {
    // pdf.js takes the buffer over (it is detached afterwards): give it a copy, so the caller's
    // bytes stay readable.
    // A plain Uint8Array even for a Buffer, which pdf.js refuses.
    return await getDocumentProxy(new Uint8Array(bytes), { verbosity: ERRORS_ONLY });
  } catch (error) {
    if (error instanceof Error && error.name === 'PasswordException') {
      throw new AppError(
        'ATTACHMENT_ENCRYPTED',
        'This PDF is protected by a password. Save a copy without the password and attach that.',
        { field: 'file' },
      );
    }
    throw unreadable();
  }
}

async function pageText(pdf: PdfDocument, number: number): Promise<string> {
  const page = await pdf.getPage(number);
  try {
    const content = await page.getTextContent();
    let text = '';
    for (const item of content.items) {
      if ('str' in item) text += item.str + (item.hasEOL ? '\n' : '');
    }
    return tidy(text);
  } finally {
    page.cleanup();
  }
}

/** One space between words, no space at a line's ends, at most one blank line in a row. */
function tidy(text: string): string {
  return cleanText(text)
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function unreadable(): AppError {
  return new AppError('ATTACHMENT_UNREADABLE', 'This PDF is damaged and cannot be read.', { field: 'file' });
}
