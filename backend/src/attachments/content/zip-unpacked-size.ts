import { inflateRawSync } from 'node:zlib';

const END_OF_DIRECTORY = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;

/**
 * Whether the archive's entries that `wanted` picks unpack to at most `limit` bytes, measured by
 * unpacking them (the sizes an archive states can lie) with zlib told to stop past the limit.
 * mammoth (through JSZip) unpacks a DOCX's XML whole into memory: 20 MB of zeros deflate to
 * 20 KB, so without this a small upload could take the server's memory. Undefined when the
 * bytes are not a zip this can read (mammoth then says so).
 */
export function zipUnpacksWithin(
  bytes: Uint8Array,
  limit: number,
  wanted: (name: string) => boolean,
): boolean | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEndOfDirectory(view);
  if (end < 0) return undefined;
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  let total = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > view.byteLength || view.getUint32(at, true) !== DIRECTORY_ENTRY) return undefined;
    const method = view.getUint16(at + 10, true);
    const packedSize = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const entryLength = 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    at += entryLength;
    if (!wanted(name)) continue;
    if (local + 30 > view.byteLength || view.getUint32(local, true) !== LOCAL_HEADER) return undefined;
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const packed = bytes.subarray(start, start + packedSize);
    if (method === STORED) {
      total += packed.length;
    } else if (method === DEFLATED) {
      try {
        total += inflateRawSync(packed, { maxOutputLength: Math.max(1, limit - total + 1) }).length;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return false;
        return undefined;
      }
    } else {
      return undefined;
    }
    if (total > limit) return false;
  }
  return true;
}

/** The end-of-central-directory record, searched backwards past a comment of up to 64 KB. */
function findEndOfDirectory(view: DataView): number {
  const lowest = Math.max(0, view.byteLength - 22 - 0xffff);
  for (let at = view.byteLength - 22; at >= lowest; at--) {
    if (view.getUint32(at, true) === END_OF_DIRECTORY) return at;
  }
  return -1;
}
