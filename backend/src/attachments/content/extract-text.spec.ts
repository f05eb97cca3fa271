import { jest } from '@jest/globals';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { getDocumentProxy } from 'unpdf';
import { docxArchive } from '../../../test/fixtures/attachments/zip-archive.js';
import { AppError } from '../../common/app-error.js';
import { DOCX_MAX_UNPACKED_BYTES } from './docx-text.js';
import { extractText } from './extract-text.js';

type PDFDocumentProxy = Awaited<ReturnType<typeof getDocumentProxy>>;

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const bytes = (text: string) => new TextEncoder().encode(text);

/** A PDF with one page per entry, each line of it drawn as a line of text (none: a blank page). */
async function pdf(pages: string[][]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = doc.addPage([400, 400]);
    lines.forEach((line, i) => page.drawText(line, { x: 20, y: 360 - i * 20, size: 12, font }));
  }
  return doc.save();
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error: unknown = await promise.then(
    () => new Error('not refused'),
    (refused: unknown) => refused,
  );
  if (!(error instanceof AppError)) throw error;
  return error;
}

describe('extractText: PDF', () => {
  it('gives each page with text as a passage, its lines kept, blank pages counted but left out', async () => {
    const file = await pdf([['First page,', 'second line.'], [], ['Third  page   here.']]);
    const text = await extractText('application/pdf', file, { maxPages: 10 });
    expect(text).toEqual({
      pageCount: 3,
      passages: [
        { page: 1, text: 'First page,\nsecond line.' },
        { page: 3, text: 'Third page here.' },
      ],
    });
  });

  it('leaves the caller its bytes (pdf.js takes over the buffer it is given)', async () => {
    const file = await pdf([['Hello.']]);
    const copy = file.slice();
    await extractText('application/pdf', file, { maxPages: 10 });
    expect(file.byteLength).toBe(copy.byteLength);
    expect(Buffer.from(file).equals(Buffer.from(copy))).toBe(true);
  });

  it('takes exactly maxPages pages, and refuses one more', async () => {
    const file = await pdf([['one'], ['two'], ['three']]);
    await expect(extractText('application/pdf', file, { maxPages: 3 })).resolves.toMatchObject({ pageCount: 3 });
    const error = await refusal(extractText('application/pdf', file, { maxPages: 2 }));
    expect(error.code).toBe('ATTACHMENT_TOO_MANY_PAGES');
    expect(error.message).toBe('This PDF has 3 pages; Pulse reads PDFs of up to 2 pages.');
  });

  it('counts pages before reading any: a PDF with too many is refused without a page opened', async () => {
    const file = await pdf([['one'], ['two'], ['three']]);
    // Every document pdf.js opens shares this prototype, the one pdfText's document has too.
    const probe = await getDocumentProxy(file.slice());
    const getPage = jest.spyOn(Object.getPrototypeOf(probe) as PDFDocumentProxy, 'getPage');
    await probe.loadingTask.destroy();
    try {
      expect((await refusal(extractText('application/pdf', file, { maxPages: 2 }))).code).toBe(
        'ATTACHMENT_TOO_MANY_PAGES',
      );
      expect(getPage).not.toHaveBeenCalled();
      await extractText('application/pdf', file, { maxPages: 3 });
      expect(getPage.mock.calls.map(([number]) => number)).toEqual([1, 2, 3]);
    } finally {
      getPage.mockRestore();
    }
  });

  it('refuses a PDF without text on any page', async () => {
    const error = await refusal(extractText('application/pdf', await pdf([[], []]), { maxPages: 10 }));
    expect(error.code).toBe('ATTACHMENT_NO_TEXT');
  });

  it('refuses bytes that only start like a PDF', async () => {
    const error = await refusal(
      extractText('application/pdf', bytes('%PDF-1.7\n%garbage, no objects\n'), { maxPages: 10 }),
    );
    expect(error.code).toBe('ATTACHMENT_UNREADABLE');
  });
});

describe('extractText: DOCX', () => {
  it('gives the paragraphs separated by blank lines', async () => {
    const file = docxArchive(['Hello.', '', '', 'Fish & <chips>.  ']);
    await expect(extractText(DOCX, file, { maxPages: 1 })).resolves.toEqual({
      passages: [{ page: null, text: 'Hello.\n\nFish & <chips>.' }],
    });
  });

  it('refuses a document without text', async () => {
    expect((await refusal(extractText(DOCX, docxArchive(['', '']), { maxPages: 1 }))).code).toBe('ATTACHMENT_NO_TEXT');
  });

  it('refuses a damaged document and bytes that are no zip', async () => {
    expect((await refusal(extractText(DOCX, docxArchive([], { omitDocument: true }), { maxPages: 1 }))).code).toBe(
      'ATTACHMENT_UNREADABLE',
    );
    expect((await refusal(extractText(DOCX, bytes('PK not really'), { maxPages: 1 }))).code).toBe(
      'ATTACHMENT_UNREADABLE',
    );
  });

  it('refuses a document whose XML unpacks past the limit before mammoth unpacks it', async () => {
    const head = bytes(
      '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>',
    );
    const documentXml = new Uint8Array(DOCX_MAX_UNPACKED_BYTES + 1).fill(0x61);
    documentXml.set(head);
    const file = docxArchive([], { documentXml });
    expect(file.length).toBeLessThan(200_000);
    const error = await refusal(extractText(DOCX, file, { maxPages: 1 }));
    expect(error.code).toBe('ATTACHMENT_UNREADABLE');
    expect(error.message).toContain('more than 64 MB');
  });
});

describe('extractText: text', () => {
  it('drops a BOM, makes every line end a \\n, and keeps the rest as written', async () => {
    const file = bytes('\ufeff# Title\r\n\r\n    code\rnext\n');
    await expect(extractText('text/markdown', file, { maxPages: 1 })).resolves.toEqual({
      passages: [{ page: null, text: '# Title\n\n    code\nnext\n' }],
    });
  });

  it('drops NUL characters', async () => {
    const text = await extractText('text/plain', bytes('a\u0000b'), { maxPages: 1 });
    expect(text.passages[0].text).toBe('ab');
  });

  it('refuses bytes that are not UTF-8, anywhere in the file', async () => {
    const file = Uint8Array.from([...bytes('a'.repeat(10_000)), 0xe9, ...bytes(' more')]);
    const error = await refusal(extractText('text/csv', file, { maxPages: 1 }));
    expect(error.code).toBe('ATTACHMENT_UNREADABLE');
    // A character cut at the very end is not UTF-8 either, once the whole file is read.
    expect((await refusal(extractText('text/plain', Uint8Array.from([0x61, 0xc3]), { maxPages: 1 }))).code).toBe(
      'ATTACHMENT_UNREADABLE',
    );
  });

  it('refuses a file of only white space', async () => {
    expect((await refusal(extractText('text/plain', bytes(' \r\n\t\n'), { maxPages: 1 }))).code).toBe(
      'ATTACHMENT_NO_TEXT',
    );
  });

  it('has no text to give for an image', async () => {
    await expect(extractText('image/png', new Uint8Array(8), { maxPages: 1 })).rejects.toThrow('image/png has no text');
  });
});
