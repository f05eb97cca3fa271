import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { deflateSync } from 'node:zlib';
import type { Auth } from './chat.js';
import type { TestApp } from './test-app.js';

const FIXTURES = new URL('../fixtures/attachments/', import.meta.url);

/** A committed fixture file's bytes (backend/test/fixtures/attachments). */
export const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));

/** POST /api/chat/attachments with one file part: the status and the parsed body. */
export async function upload(
  t: TestApp,
  auth: Auth,
  bytes: Uint8Array,
  filename: string,
  contentType = 'application/octet-stream',
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any }> {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: contentType }), filename);
  const res = await fetch(`${t.url}/api/chat/attachments`, { method: 'POST', headers: auth, body: form });
  return { status: res.status, body: await res.json() };
}

/** An upload that must succeed: its id. */
export async function uploaded(t: TestApp, auth: Auth, bytes: Uint8Array, filename: string): Promise<string> {
  const res = await upload(t, auth, bytes, filename);
  const body = res.body as { id: string };
  if (res.status !== 201) throw new Error(`upload ${filename}: ${res.status} ${JSON.stringify(body)}`);
  return body.id;
}

/**
 * A multipart upload whose header claims `declaredBytes` but which sends only its first part and
 * then waits: the answer must come before the rest would have been sent. Resolves with the status
 * and how many body bytes were written when the answer came.
 */
export function uploadClaiming(
  t: TestApp,
  auth: Auth,
  declaredBytes: number,
  { chunked = false, writeBytes = 64 * 1024 }: { chunked?: boolean; writeBytes?: number } = {},
): Promise<{ status: number; code: string; written: number }> {
  const boundary = 'pulse-e2e-boundary';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n` +
      'Content-Type: text/plain\r\n\r\n',
  );
  const url = new URL('/api/chat/attachments', t.url);
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          ...auth,
          'Content-Type': `multipart/form-data; boundary=${boundary}`,
          ...(chunked ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': String(declaredBytes) }),
        },
      },
      (res) => {
        answered = true;
        let text = '';
        res.on('data', (c: Buffer) => (text += String(c)));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, code: (JSON.parse(text) as { code: string }).code, written });
          req.destroy();
        });
      },
    );
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    req.write(head);
    // Plain text (the type is decided from its first bytes), in 16 KB writes until told to stop.
    const filler = Buffer.alloc(16 * 1024, 'a');
    const pump = () => {
      while (!answered && written < writeBytes) {
        written += filler.length;
        if (!req.write(filler)) {
          req.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

/** A real, decodable RGB PNG of `width` x `height`, each pixel a colour from its position. */
export function png(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      rows[row + 1 + x * 3] = (x * 255) / Math.max(1, width - 1);
      rows[row + 2 + x * 3] = (y * 255) / Math.max(1, height - 1);
      rows[row + 3 + x * 3] = 128;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
