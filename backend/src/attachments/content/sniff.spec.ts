import { AppError } from '../../common/app-error.js';
import { ATTACHMENT_MEDIA_TYPES, type AttachmentMediaType } from '../../config/attachment-types.js';
import { sniffType } from './sniff.js';

const ALL: ReadonlySet<AttachmentMediaType> = new Set(ATTACHMENT_MEDIA_TYPES);
const bytes = (text: string) => new TextEncoder().encode(text);
const PNG = Uint8Array.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0,
  0, 0, 0x1f, 0x15, 0xc4, 0x89, 0, 0, 0, 10, 0x49, 0x44, 0x41, 0x54,
]);
const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
const GIF = bytes('GIF89a\x01\x00\x01\x00\x00\x00\x00;');
const PDF = bytes('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n');
/** An EBML header whose DocType is `docType`: all file-type reads of a WebM or Matroska file. */
const ebml = (docType: string) =>
  Uint8Array.from([
    0x1a,
    0x45,
    0xdf,
    0xa3,
    0x80 | (docType.length + 3),
    0x42,
    0x82,
    0x80 | docType.length,
    ...bytes(docType),
  ]);

async function refusal(head: Uint8Array, name: string, allowed = ALL): Promise<AppError> {
  const error: unknown = await sniffType(head, name, allowed).then(
    (type) => new Error(`accepted as ${type.mediaType}`),
    (refused: unknown) => refused,
  );
  if (!(error instanceof AppError)) throw error;
  return error;
}

describe('sniffType', () => {
  it('refuses an empty file, naming it', async () => {
    const error = await refusal(new Uint8Array(0), 'notes.txt');
    expect(error.code).toBe('ATTACHMENT_EMPTY');
    expect(error.status).toBe(400);
    expect(error.message).toContain('"notes.txt"');
    expect(error.details).toEqual({ field: 'file' });
  });

  it('takes images from their bytes, whatever case or extension the name has', async () => {
    await expect(sniffType(PNG, 'photo.png', ALL)).resolves.toEqual({
      mediaType: 'image/png',
      kind: 'image',
      extension: 'png',
    });
    await expect(sniffType(PNG, 'PHOTO.PNG', ALL)).resolves.toMatchObject({ mediaType: 'image/png' });
    await expect(sniffType(PNG, 'photo', ALL)).resolves.toMatchObject({ mediaType: 'image/png' });
    await expect(sniffType(PNG, 'photo.dat', ALL)).resolves.toMatchObject({ mediaType: 'image/png' });
    await expect(sniffType(GIF, 'anim.gif', ALL)).resolves.toEqual({
      mediaType: 'image/gif',
      kind: 'image',
      extension: 'gif',
    });
    for (const name of ['a.jpg', 'a.jpeg', 'a.JFIF', 'a.jpe']) {
      await expect(sniffType(JPEG, name, ALL)).resolves.toEqual({
        mediaType: 'image/jpeg',
        kind: 'image',
        extension: 'jpg',
      });
    }
  });

  it('takes a PDF as a document', async () => {
    await expect(sniffType(PDF, 'manual.pdf', ALL)).resolves.toEqual({
      mediaType: 'application/pdf',
      kind: 'document',
      extension: 'pdf',
    });
  });

  it('takes WebM and Matroska as audio/webm (file-type calls both video)', async () => {
    await expect(sniffType(ebml('webm'), 'voice.webm', ALL)).resolves.toEqual({
      mediaType: 'audio/webm',
      kind: 'audio',
      extension: 'webm',
    });
    await expect(sniffType(ebml('matroska'), 'voice.mka', ALL)).resolves.toMatchObject({ mediaType: 'audio/webm' });
  });

  it('refuses a name that claims another type than the bytes, naming both', async () => {
    const error = await refusal(PNG, 'report.pdf');
    expect(error.code).toBe('ATTACHMENT_TYPE_MISMATCH');
    expect(error.message).toBe(
      '"report.pdf" is named like a PDF document but is a PNG image. Rename it to .png and attach it again.',
    );
    expect((await refusal(PDF, 'scan.png')).code).toBe('ATTACHMENT_TYPE_MISMATCH');
    expect((await refusal(JPEG, 'photo.webp')).code).toBe('ATTACHMENT_TYPE_MISMATCH');
    expect((await refusal(GIF, 'photo.png')).code).toBe('ATTACHMENT_TYPE_MISMATCH');
    expect((await refusal(ebml('webm'), 'voice.ogg')).code).toBe('ATTACHMENT_TYPE_MISMATCH');
    expect((await refusal(PNG, 'photo.txt')).code).toBe('ATTACHMENT_TYPE_MISMATCH');
    expect((await refusal(bytes('just words'), 'words.pdf')).code).toBe('ATTACHMENT_TYPE_MISMATCH');
    expect((await refusal(bytes('just words'), 'words.png')).code).toBe('ATTACHMENT_TYPE_MISMATCH');
  });

  it('picks the text type from the name', async () => {
    const text = bytes('Plain words, no markup.\n');
    const cases: [string, AttachmentMediaType, string][] = [
      ['notes.txt', 'text/plain', 'txt'],
      ['notes.text', 'text/plain', 'txt'],
      ['README', 'text/plain', 'txt'],
      ['server.log', 'text/plain', 'txt'],
      ['main.py', 'text/plain', 'txt'],
      ['notes.md', 'text/markdown', 'md'],
      ['notes.Markdown', 'text/markdown', 'md'],
      ['prices.csv', 'text/csv', 'csv'],
    ];
    for (const [name, mediaType, extension] of cases) {
      await expect(sniffType(text, name, ALL)).resolves.toEqual({ mediaType, kind: 'text', extension });
    }
  });

  it('takes UTF-8 with a BOM, and a character cut by the end of the window', async () => {
    await expect(sniffType(bytes('\ufeffname,price\n'), 'a.csv', ALL)).resolves.toMatchObject({
      mediaType: 'text/csv',
    });
    const cut = bytes(`${'a'.repeat(4098)}é`).subarray(0, 4099);
    expect(cut.at(-1)).toBe(0xc3);
    await expect(sniffType(cut, 'a.txt', ALL)).resolves.toMatchObject({ mediaType: 'text/plain' });
    await expect(sniffType(bytes('Ελληνικά 日本語 🎉'), 'a.txt', ALL)).resolves.toMatchObject({
      mediaType: 'text/plain',
    });
  });

  it('refuses text in an older encoding as unreadable, telling how to fix it', async () => {
    const latin1 = Uint8Array.from(Buffer.from('name,city\nJosé,Málaga\n', 'latin1'));
    const error = await refusal(latin1, 'cities.csv');
    expect(error.code).toBe('ATTACHMENT_UNREADABLE');
    expect(error.message).toContain('"cities.csv"');
    expect(error.message).toContain('UTF-8');
  });

  it('refuses bytes that are not text and that file-type does not know', async () => {
    expect((await refusal(bytes('abc\u0000def'), 'a.txt')).code).toBe('ATTACHMENT_TYPE_NOT_ALLOWED');
    const noise = Uint8Array.from({ length: 512 }, (_, i) => ((i * 7919 + 13) % 251) | 0x01);
    expect((await refusal(noise, 'noise.bin')).code).toBe('ATTACHMENT_TYPE_NOT_ALLOWED');
  });

  it('refuses a program renamed .png, saying what it is', async () => {
    const pe = new Uint8Array(256);
    pe.set(bytes('MZ'), 0);
    pe.set(bytes('PE\0\0'), 0x80);
    const error = await refusal(pe, 'cat.png');
    expect(error.code).toBe('ATTACHMENT_TYPE_NOT_ALLOWED');
    expect(error.message).toMatch(/^"cat\.png" is a file of type EXE\. Pulse accepts PNG image, JPEG image, /);
  });

  it('refuses a plain zip', async () => {
    const zip = Uint8Array.from([0x50, 0x4b, 0x05, 0x06, ...Array.from({ length: 18 }, () => 0)]);
    expect((await refusal(zip, 'a.zip')).code).toBe('ATTACHMENT_TYPE_NOT_ALLOWED');
  });

  it('refuses a type the configuration leaves out', async () => {
    const noGif = new Set(ATTACHMENT_MEDIA_TYPES.filter((type) => type !== 'image/gif'));
    const error = await refusal(GIF, 'anim.gif', noGif);
    expect(error.code).toBe('ATTACHMENT_TYPE_NOT_ALLOWED');
    expect(error.message).toContain('"anim.gif" is a GIF image.');
    expect(error.message).not.toContain('GIF image,');
    const noCsv = new Set(ATTACHMENT_MEDIA_TYPES.filter((type) => type !== 'text/csv'));
    expect((await refusal(bytes('a,b\n'), 'a.csv', noCsv)).code).toBe('ATTACHMENT_TYPE_NOT_ALLOWED');
    await expect(sniffType(bytes('a,b\n'), 'a.txt', noCsv)).resolves.toMatchObject({ mediaType: 'text/plain' });
  });

  describe('active content', () => {
    const openings = [
      '<!DOCTYPE html><p>hi',
      '<html><body>hi</body></html>',
      '\ufeff  \n\t<HTML lang="en">',
      '<script>alert(1)</script>',
      '<svg xmlns="http://www.w3.org/2000/svg"></svg>',
      '<!-- made by hand -->\n<svg></svg>',
      '<?xml version="1.0"?><svg/>',
      '<?xml version="1.0"?>\n<rss/>',
      '<body onload="x()">',
      '<iframe src="https://evil.example">',
    ];
    it.each(openings)('refuses %j whatever the name', async (text) => {
      for (const name of ['page.html', 'photo.png', 'notes.txt', 'noext']) {
        const error = await refusal(bytes(text), name);
        expect(error.code).toBe('ATTACHMENT_ACTIVE_CONTENT');
        expect(error.message).toContain(`"${name}"`);
      }
    });

    it('refuses HTML, SVG and XML names whatever the bytes', async () => {
      for (const name of ['a.html', 'a.HTM', 'a.svg', 'a.xml', 'a.xhtml']) {
        expect((await refusal(bytes('plain words'), name)).code).toBe('ATTACHMENT_ACTIVE_CONTENT');
      }
      expect((await refusal(PNG, 'a.svg')).code).toBe('ATTACHMENT_ACTIVE_CONTENT');
    });

    it('takes text that shows markup after its opening', async () => {
      const markdown = '# Embedding\n\nAdd this to your page:\n\n```html\n<script src="pulse.js"></script>\n```\n';
      await expect(sniffType(bytes(markdown), 'embed.md', ALL)).resolves.toMatchObject({ mediaType: 'text/markdown' });
      await expect(sniffType(bytes('<!-- note -->\n# Title\n'), 'a.md', ALL)).resolves.toMatchObject({
        mediaType: 'text/markdown',
      });
      await expect(sniffType(bytes('<p align="center">Logo</p>\n'), 'README.md', ALL)).resolves.toMatchObject({
        mediaType: 'text/markdown',
      });
    });
  });
});
