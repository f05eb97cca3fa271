// A real S3-protocol server for the S3 attachment store's specs: s3rver on a free port, keeping
// its objects in a temporary folder, with one bucket. s3rver lacks AbortMultipartUpload (it
// answers 405 MethodNotAllowed) and ListMultipartUploads (501); the first is added here as S3
// does it (the upload and its parts are gone, 204), and pending uploads are read from the
// folder s3rver keeps them in, since there is no call to list them.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface S3Server {
  endpoint: string;
  bucket: string;
  /** The credentials s3rver knows (it checks the key id; it does not verify V4 signatures). */
  accessKeyId: string;
  secretAccessKey: string;
  /** Every request so far as `METHOD query-names`, e.g. `POST delete`, `PUT partNumber&uploadId&x-id`. */
  requests: string[];
  /** Ids of the multipart uploads started (CreateMultipartUpload) and aborted so far. */
  started: string[];
  aborted: string[];
  /** Multipart uploads neither completed nor aborted. */
  pendingUploads(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startS3Server(bucket = 'pulse-attachments'): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'pulse-s3rver-'));
  const s3rver = new S3rver({ directory, silent: true, configureBuckets: [{ name: bucket }] });
  await s3rver.configureBuckets();
  const handle = s3rver.callback();
  // s3rver's filesystem store keeps an upload's parts in <bucket>/._S3rver_uploads/<uploadId>/.
  const uploadsDir = join(directory, bucket, '._S3rver_uploads');
  const requests: string[] = [];
  const started: string[] = [];
  const aborted: string[] = [];

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://s3');
    requests.push(`${req.method} ${[...url.searchParams.keys()].sort().join('&')}`);
    const uploadId = url.searchParams.get('uploadId');
    if (req.method === 'DELETE' && uploadId && /^[0-9a-f]+$/.test(uploadId)) {
      rm(join(uploadsDir, uploadId), { recursive: true, force: true }).then(
        () => {
          aborted.push(uploadId);
          res.writeHead(204).end();
        },
        (err: Error) => res.writeHead(500).end(err.message),
      );
      return;
    }
    if (req.method === 'POST' && url.searchParams.has('uploads')) {
      // Read the id from s3rver's answer as it passes.
      const write = res.end.bind(res) as (chunk?: unknown, ...rest: unknown[]) => typeof res;
      res.end = ((chunk?: unknown, ...rest: unknown[]) => {
        const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString() : '';
        const id = /<UploadId>([^<]+)<\/UploadId>/.exec(text)?.[1];
        if (id) started.push(id);
        return write(chunk, ...rest);
      }) as typeof res.end;
    }
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    requests,
    started,
    aborted,
    pendingUploads: async () => {
      try {
        return await readdir(uploadsDir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      s3rver.logger.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
