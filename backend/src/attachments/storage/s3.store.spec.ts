import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { eventually } from '@pulse/testkit';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { digestOf, generatedBody } from '../../../test/support/attachment-bodies.js';
import { type S3Server, startS3Server } from '../../../test/support/s3-server.js';
import { AppConfig } from '../../config/app-config.js';
import { AttachmentObjectMissing } from './attachment-store.js';
import { S3AttachmentStore } from './s3.store.js';

const MiB = 1024 * 1024;
const PREFIX = 'pulse-test/';
const userId = randomUUID();
const keyOf = () => `${userId}/${randomUUID()}`;

describe('S3AttachmentStore against an S3-protocol server (s3rver)', () => {
  let s3: S3Server;
  let store: S3AttachmentStore;
  /** A plain client of the same bucket, to look at what the store left there. */
  let raw: S3Client;

  beforeAll(async () => {
    s3 = await startS3Server();
    // Through AppConfig, as the app builds it: an endpoint turns path-style addressing on, which
    // s3rver needs (a virtual-host bucket would have to resolve as <bucket>.127.0.0.1).
    const config = AppConfig.fromEnvironment({
      S3_BUCKET: s3.bucket,
      S3_ENDPOINT: s3.endpoint,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      S3_PREFIX: PREFIX,
    });
    store = new S3AttachmentStore(config.attachments.s3!);
    raw = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
  });
  afterAll(async () => {
    raw.destroy();
    await s3.close();
  });

  const objectExists = async (key: string): Promise<boolean> => {
    const list = await raw.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: PREFIX + key }));
    return (list.KeyCount ?? 0) > 0;
  };

  it('streams a 30 MiB body in as a multipart upload and gives the same bytes back', async () => {
    const key = keyOf();
    const made = generatedBody(30 * MiB);
    const startedBefore = s3.started.length;

    const stored = await store.put(key, made.body, 'application/pdf');

    expect(stored).toEqual({ key, bytes: 30 * MiB });
    // Six parts of 5 MiB, in one multipart upload.
    expect(s3.started.length).toBe(startedBefore + 1);
    const uploadId = s3.started.at(-1)!;
    expect(s3.requests.filter((r) => r.startsWith('PUT partNumber&uploadId'))).toHaveLength(6);
    expect(s3.aborted).not.toContain(uploadId);
    // Under the prefix, with its media type.
    const head = await raw.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: PREFIX + key }));
    expect(head).toMatchObject({ ContentLength: 30 * MiB, ContentType: 'application/pdf' });

    expect(await digestOf(await store.get(key))).toEqual({ sha256: made.sha256(), bytes: 30 * MiB });
  });

  it('stores a body smaller than one part with a single PutObject', async () => {
    const key = keyOf();
    const made = generatedBody(300 * 1024 + 5);
    const startedBefore = s3.started.length;

    await expect(store.put(key, made.body, 'text/markdown')).resolves.toEqual({ key, bytes: 300 * 1024 + 5 });

    expect(s3.started.length).toBe(startedBefore);
    expect(await digestOf(await store.get(key))).toEqual({ sha256: made.sha256(), bytes: 300 * 1024 + 5 });
  });

  it('aborts the multipart upload when the body fails midway: no object, no parts left', async () => {
    const key = keyOf();
    const tooLarge = new Error('over the size limit');
    const made = generatedBody(40 * MiB, { after: 12 * MiB, error: tooLarge });
    const startedBefore = s3.started.length;

    await expect(store.put(key, made.body, 'application/pdf')).rejects.toBe(tooLarge);

    expect(s3.started.length).toBe(startedBefore + 1);
    const uploadId = s3.started.at(-1)!;
    expect(s3.aborted).toContain(uploadId);
    expect(await s3.pendingUploads()).toEqual([]);
    expect(await objectExists(key)).toBe(false);
    await expect(store.get(key)).rejects.toBeInstanceOf(AttachmentObjectMissing);
  });

  it('sends nothing when the body fails within its first part', async () => {
    const key = keyOf();
    const tooLarge = new Error('over the size limit');
    const requestsBefore = s3.requests.length;

    await expect(
      store.put(key, generatedBody(4 * MiB, { after: MiB, error: tooLarge }).body, 'image/png'),
    ).rejects.toBe(tooLarge);

    expect(s3.requests.slice(requestsBefore)).toEqual([]);
    expect(await objectExists(key)).toBe(false);
  });

  it('rejects get of a key with no object with AttachmentObjectMissing naming the key', async () => {
    const key = keyOf();
    await expect(store.get(key)).rejects.toEqual(new AttachmentObjectMissing(key));
  });

  it('deletes several keys, a missing one among them, and leaves the others', async () => {
    const [a, b, kept] = [keyOf(), keyOf(), keyOf()];
    for (const key of [a, b, kept]) await store.put(key, generatedBody(1000).body, 'text/plain');

    await store.delete([a, keyOf(), b]);

    expect(await objectExists(a)).toBe(false);
    expect(await objectExists(b)).toBe(false);
    expect(await objectExists(kept)).toBe(true);
    await store.delete([]);
  });

  it('deletes in batches of at most 1000 keys', async () => {
    const last = keyOf();
    await store.put(last, generatedBody(10).body, 'text/plain');
    const keys = [...Array.from({ length: 1000 }, keyOf), last];
    const requestsBefore = s3.requests.length;

    await store.delete(keys);

    expect(s3.requests.slice(requestsBefore)).toEqual(['POST delete', 'POST delete']);
    expect(await objectExists(last)).toBe(false);
  });

  it('refuses keys that are not <uuid>/<uuid> before sending anything', async () => {
    const id = randomUUID();
    const requestsBefore = s3.requests.length;
    for (const key of ['../x', `${id}/../${id}`, `${id}/${id}/${id}`, id, `${id}/${id}.tmp`]) {
      await expect(store.put(key, generatedBody(1).body, 'text/plain')).rejects.toBeInstanceOf(RangeError);
      await expect(store.get(key)).rejects.toBeInstanceOf(RangeError);
      await expect(store.delete([keyOf(), key])).rejects.toBeInstanceOf(RangeError);
      await expect(store.signedUrl(key, 'text/plain', 60)).rejects.toBeInstanceOf(RangeError);
    }
    expect(s3.requests.slice(requestsBefore)).toEqual([]);
  });

  it('signs a URL that plain fetch reads the bytes from, with the media type asked for', async () => {
    const key = keyOf();
    const made = generatedBody(70 * 1024);
    // Stored as octet-stream: the type in the answer can only come from the signed URL.
    await store.put(key, made.body, 'application/octet-stream');

    const url = await store.signedUrl(key, 'image/png', 60);

    expect(url).toMatch(/X-Amz-Signature=[0-9a-f]{64}/);
    expect(url).toContain(`/${s3.bucket}/${PREFIX}${key}?`);
    const res = await fetch(url!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(await digestOf(Readable.from([bytes]))).toEqual({ sha256: made.sha256(), bytes: 70 * 1024 });
  });

  it('signs URLs that stop working when their time is up', async () => {
    const key = keyOf();
    await store.put(key, generatedBody(100).body, 'text/plain');
    // X-Amz-Date has whole seconds: signed early in a second, a 1 s URL is good for most of it.
    await eventually('the start of a second', () => Date.now() % 1000 < 300, { intervalMs: 5 });

    const url = (await store.signedUrl(key, 'text/plain', 1))!;
    const signedAt = Date.now();

    expect((await fetch(url)).status).toBe(200);
    const refused = await eventually(
      'the signed URL refused',
      async () => {
        const res = await fetch(url);
        return res.status === 200 ? undefined : { status: res.status, body: await res.text(), at: Date.now() };
      },
      { timeoutMs: 5000, intervalMs: 50 },
    );
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('Request has expired');
    expect(refused.at - signedAt).toBeLessThan(3000);
  });

  it('says which store it is', () => {
    expect(store.kind).toBe('s3');
  });

  it('reads only under its prefix', async () => {
    // A stranger's object in the same bucket, outside the prefix, is not the store's to read.
    const id = keyOf();
    await raw.send(new PutObjectCommand({ Bucket: s3.bucket, Key: id, Body: 'not pulse' }));
    await expect(store.get(id)).rejects.toBeInstanceOf(AttachmentObjectMissing);
  });
});
