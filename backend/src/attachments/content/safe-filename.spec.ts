import { isCleanText } from '../../common/clean-text.js';
import { extensionOf, safeFilename } from './safe-filename.js';

describe('safeFilename', () => {
  it('keeps an ordinary name as it is', () => {
    expect(safeFilename('Quarterly report (final).pdf')).toBe('Quarterly report (final).pdf');
    expect(safeFilename('Größe – Übersicht 日本.docx')).toBe('Größe – Übersicht 日本.docx');
  });

  it('keeps only the last part of a path, Unix or Windows', () => {
    expect(safeFilename('../../etc/passwd')).toBe('passwd');
    expect(safeFilename('C:\\Users\\ana\\Desktop\\scan.png')).toBe('scan.png');
    expect(safeFilename('photos/')).toBe('file');
  });

  it('drops control and direction-changing characters', () => {
    expect(safeFilename('a\u0000b\r\nc\u007f\u0085.txt')).toBe('abc.txt');
    // Shown as 'invoiceexe.pdf' by a right-to-left override: really an .exe.
    expect(safeFilename('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(safeFilename('\u2066name\u2069.md')).toBe('name.md');
  });

  it('replaces characters Windows refuses, and trims trailing dots and spaces', () => {
    expect(safeFilename('what? <draft>: "a|b"*.txt')).toBe('what_ _draft__ _a_b__.txt');
    expect(safeFilename('  notes.txt . ')).toBe('notes.txt');
  });

  it('composes to NFC and mends lone surrogates', () => {
    const decomposed = 'Cafe\u0301.md';
    expect(safeFilename(decomposed)).toBe('Café.md');
    expect(safeFilename(decomposed)).toHaveLength(7);
    expect(safeFilename('a\ud800b.txt')).toBe('a\ufffdb.txt');
  });

  it('falls back to "file" when nothing is left', () => {
    for (const name of ['', '   ', '.', '..', '\u0000\u0001', '/']) expect(safeFilename(name)).toBe('file');
  });

  it('cuts a long name to 255 characters, keeping the extension and whole characters', () => {
    const long = safeFilename(`${'a'.repeat(300)}.pdf`);
    expect(long).toHaveLength(255);
    expect(long.endsWith('a.pdf')).toBe(true);
    const emoji = safeFilename(`${'😀'.repeat(300)}.txt`);
    expect(Array.from(emoji)).toHaveLength(255);
    expect(isCleanText(emoji)).toBe(true);
    expect(emoji.endsWith('😀.txt')).toBe(true);
    const noExtension = safeFilename('b'.repeat(400));
    expect(noExtension).toBe('b'.repeat(255));
  });
});

describe('extensionOf', () => {
  it('is the lower-case part after the last dot, not a leading one', () => {
    expect(extensionOf('a.tar.GZ')).toBe('gz');
    expect(extensionOf('README')).toBe('');
    expect(extensionOf('.env')).toBe('');
  });
});
