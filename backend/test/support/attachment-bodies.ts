// Upload bodies for the attachment store specs: made chunk by chunk, so a 30 MiB body is never
// held whole by the test either, and able to fail midway the way an upload over its size limit
// is failed by its caller.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

const CHUNK = 64 * 1024;

export interface GeneratedBody {
  body: Readable;
  /** The sha256 (hex) of the bytes the body gave; read it once the body has ended. */
  sha256: () => string;
  /** Bytes handed out so far. */
  sent: () => number;
}

/**
 * `size` random bytes in 64 KiB chunks. With `fail`, the body is destroyed with `fail.error`
 * once `fail.after` bytes went out, instead of ending.
 */
export function generatedBody(size: number, fail?: { after: number; error: Error }): GeneratedBody {
  const hash = createHash('sha256');
  let sent = 0;
  const body = new Readable({
    read() {
      if (fail && sent >= fail.after) {
        this.destroy(fail.error);
        return;
      }
      if (sent >= size) {
        this.push(null);
        return;
      }
      const chunk = randomBytes(Math.min(CHUNK, size - sent, fail ? fail.after - sent : Infinity));
      hash.update(chunk);
      sent += chunk.length;
      this.push(chunk);
    },
  });
  return { body, sha256: () => hash.digest('hex'), sent: () => sent };
}

/** Reads `stream` to its end and gives the sha256 (hex) and length of what it carried. */
export async function digestOf(stream: Readable): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}
