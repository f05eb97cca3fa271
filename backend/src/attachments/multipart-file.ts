import type { IncomingMessage } from 'node:http';
import { createHash, type Hash } from 'node:crypto';
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import busboy from 'busboy';
import { AppError } from '../common/app-error.js';

/** What multipart framing adds around a file, at most, for the early Content-Length check. */
export const MULTIPART_SLACK_BYTES = 64 * 1024;

const uploadInvalid = (message: string) => new AppError('ATTACHMENT_UPLOAD_INVALID', message, { field: 'file' });

export const tooLarge = (maxBytes: number) =>
  new AppError(
    'ATTACHMENT_TOO_LARGE',
    `The file is larger than ${formatBytes(maxBytes)}, the most one upload may carry.`,
    { field: 'file' },
  );

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}

/** The one file of a multipart upload, as it streams in. */
export interface IncomingFile {
  filename: string;
  stream: Readable;
}

/**
 * The part named `file` of a multipart/form-data request, as soon as its headers arrived: its
 * bytes are a stream the caller reads (nothing is buffered here). Fields are ignored; a second
 * file, or a request without one, is ATTACHMENT_UPLOAD_INVALID.
 */
export function multipartFile(req: IncomingMessage): Promise<IncomingFile> {
  const type = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\b/i.test(type)) {
    return Promise.reject(uploadInvalid('Send the file as multipart/form-data, in a part named "file".'));
  }
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // fileSize is enforced by the caller's counter (it knows the exact limit and answers 413).
      parser = busboy({ headers: req.headers, limits: { files: 1, fields: 20, fieldSize: 1024, parts: 22 } });
    } catch {
      reject(uploadInvalid('The multipart body has no boundary.'));
      return;
    }
    let found = false;
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || found) {
        stream.resume();
        return;
      }
      found = true;
      resolve({ filename: info.filename ?? '', stream });
    });
    parser.on('filesLimit', () => {
      // A second file: the first is already being read; its reader sees the error.
      req.unpipe(parser);
    });
    parser.on('error', (err: Error) => reject(uploadInvalid(`The multipart body is malformed: ${err.message}.`)));
    parser.on('close', () => {
      if (!found) reject(uploadInvalid('The request has no file part named "file".'));
    });
    req.pipe(parser);
  });
}

/**
 * Counts and hashes the bytes going through, and fails with ATTACHMENT_TOO_LARGE at the first
 * byte past `maxBytes`, so an oversize upload stops there instead of being read to its end.
 */
export class ByteCounter extends Transform {
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      done(tooLarge(this.maxBytes));
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  get sha256(): string {
    return this.hash.copy().digest('hex');
  }
}

/**
 * The first `n` bytes of a stream (fewer if it ends first), and a stream that gives every byte,
 * those first ones included: the type is decided before anything is stored.
 */
export async function peek(stream: Readable, n: number): Promise<{ head: Uint8Array; body: Readable }> {
  const taken: Buffer[] = [];
  let length = 0;
  const ended = await new Promise<boolean>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      taken.push(chunk);
      length += chunk.length;
      if (length >= n) finish(false);
    };
    const onEnd = () => finish(true);
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    const finish = (end: boolean) => {
      cleanup();
      stream.pause();
      resolve(end);
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
  const first = Buffer.concat(taken);
  const body = new PassThrough();
  body.write(first);
  if (ended) body.end();
  else {
    stream.on('error', (err) => body.destroy(err));
    stream.pipe(body);
  }
  return { head: first.subarray(0, n), body };
}

/** A stored object's bytes, read whole (the caller bounds its size: it was checked on the way in). */
export async function readAll(stream: Readable): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
