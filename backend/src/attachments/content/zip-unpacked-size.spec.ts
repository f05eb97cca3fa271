import { zipArchive } from '../../../test/fixtures/attachments/zip-archive.js';
import { zipUnpacksWithin } from './zip-unpacked-size.js';

const all = () => true;
const zeros = (n: number) => new Uint8Array(n);

describe('zipUnpacksWithin', () => {
  it('adds up what the wanted entries unpack to', () => {
    const zip = zipArchive([
      ['a.xml', zeros(600)],
      ['b.xml', zeros(400)],
      ['media/photo.png', zeros(5000)],
    ]);
    expect(zipUnpacksWithin(zip, 1000, (name) => name.endsWith('.xml'))).toBe(true);
    expect(zipUnpacksWithin(zip, 999, (name) => name.endsWith('.xml'))).toBe(false);
    expect(zipUnpacksWithin(zip, 6000, all)).toBe(true);
    expect(zipUnpacksWithin(zip, 5999, all)).toBe(false);
  });

  it('measures, not believes, the sizes the archive states', () => {
    const zip = zipArchive([['bomb.xml', zeros(1_000_000)]]);
    expect(zip.length).toBeLessThan(2_000);
    // Claim 10 bytes unpacked, in the local header and in the central directory.
    zip.writeUInt32LE(10, 22);
    zip.writeUInt32LE(10, zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 24);
    expect(zipUnpacksWithin(zip, 100_000, all)).toBe(false);
  });

  it('reads an archive with a trailing comment', () => {
    const zip = zipArchive([['a.xml', zeros(10)]]);
    const withComment = Buffer.concat([zip, Buffer.from('a comment')]);
    withComment.writeUInt16LE(9, zip.length - 2);
    expect(zipUnpacksWithin(withComment, 10, all)).toBe(true);
  });

  it('cannot tell for bytes that are not a zip, or a damaged one', () => {
    expect(zipUnpacksWithin(new TextEncoder().encode('not a zip at all, just words'), 100, all)).toBeUndefined();
    const zip = zipArchive([['a.xml', new TextEncoder().encode('<a>hello hello hello</a>')]]);
    const damaged = Buffer.from(zip);
    damaged.fill(0xff, 30 + 'a.xml'.length, 30 + 'a.xml'.length + 4);
    expect(zipUnpacksWithin(damaged, 100, all)).toBeUndefined();
  });
});
