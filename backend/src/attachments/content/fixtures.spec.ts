import { ATTACHMENT_FIXTURES, readFixture } from '../../../test/fixtures/attachments/fixtures.js';
import { AppError } from '../../common/app-error.js';
import { ATTACHMENT_MEDIA_TYPES } from '../../config/attachment-types.js';
import type { ExtractedText, SniffedType } from './attachment-content.js';
import { extractText } from './extract-text.js';
import { SNIFF_BYTES, sniffType } from './sniff.js';

const ALL = new Set(ATTACHMENT_MEDIA_TYPES);
const MAX_PAGES = 1000;

/** What Pulse makes of a file: its type and, for text and documents, its text; or the refusal. */
async function outcome(file: string): Promise<{ type: SniffedType; text?: ExtractedText } | { code: string }> {
  const bytes = readFixture(file);
  try {
    const type = await sniffType(bytes.subarray(0, SNIFF_BYTES), file, ALL);
    if (type.kind !== 'text' && type.kind !== 'document') return { type };
    return { type, text: await extractText(type.mediaType, bytes, { maxPages: MAX_PAGES }) };
  } catch (error) {
    if (error instanceof AppError) return { code: error.code };
    throw error;
  }
}

describe('the attachment fixture table', () => {
  const committed = ATTACHMENT_FIXTURES.filter((row) => !row.generated);

  it.each(committed.map((row) => [row.file, row] as const))('%s', async (file, row) => {
    const result = await outcome(file);
    if ('code' in row.expect) {
      expect(result).toEqual({ code: row.expect.code });
      return;
    }
    if ('code' in result) throw new Error(`${file} was refused with ${result.code}`);
    expect(result.type.mediaType).toBe(row.expect.mediaType);
    expect(result.type.kind).toBe(row.expect.kind);
    expect(result.text?.pageCount).toBe(row.expect.pages);
    const text = result.text?.passages.map((passage) => passage.text).join('\n') ?? '';
    for (const needle of row.expect.contains ?? []) expect(text).toContain(needle);
    if (row.expect.kind === 'text' || row.expect.kind === 'document') expect(text.trim()).not.toBe('');
  });

  it('has a distinct file for every committed row, and covers every accepted type', () => {
    const files = committed.map((row) => row.file);
    expect(new Set(files).size).toBe(files.length);
    const accepted = new Set(committed.flatMap((row) => ('mediaType' in row.expect ? [row.expect.mediaType] : [])));
    expect([...accepted].sort()).toEqual([...ATTACHMENT_MEDIA_TYPES].sort());
  });

  it('reads the 300-page PDF page by page, each page holding its own part number', async () => {
    const bytes = readFixture('manual-300-pages.pdf');
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    const text = await extractText('application/pdf', bytes, { maxPages: MAX_PAGES });
    const ms = performance.now() - started;
    expect(text.pageCount).toBe(300);
    expect(text.passages.map((passage) => passage.page)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    for (const { page, text: pageText } of text.passages) {
      expect(pageText).toContain(`The part number on page ${page} is PX-${page}.`);
      expect(pageText).not.toContain(`PX-${page === 1 ? 2 : 1}.`);
    }
    // An informal figure for the report, not a limit.
    process.stdout.write(
      `300-page PDF (${bytes.length} bytes): ${ms.toFixed(0)} ms, heap +${((process.memoryUsage().heapUsed - heapBefore) / 1e6).toFixed(1)} MB\n`,
    );
  });
});
