import { eventually } from '@pulse/testkit';
import { png, upload } from './support/attachments.js';
import { sendJson } from './support/chat.js';
import { startS3Server, type S3Server } from './support/s3-server.js';
import { useChatApp } from './support/test-app.js';

describe('attachments in an S3-compatible store (a real S3-protocol server, s3rver)', () => {
  let s3: S3Server | undefined;
  // Filled in before the app starts: the app's beforeAll reads it then.
  const env: Record<string, string> = { ATTACHMENT_IMAGE_INPUT: 'signed-url' };
  beforeAll(async () => {
    s3 = await startS3Server('pulse-e2e');
    Object.assign(env, {
      S3_BUCKET: s3.bucket,
      S3_ENDPOINT: s3.endpoint,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      S3_PREFIX: 'site-a/',
    });
  });
  afterAll(() => s3?.close());
  const { t, upstream } = useChatApp(env);

  /** The object as s3rver serves it (it takes unsigned requests), path-style under the prefix. */
  const objectUrl = (userId: string, id: string) => `${s3!.endpoint}/${s3!.bucket}/site-a/${userId}/${id}`;

  it('stores the upload in the bucket, gives the model a signed URL to it, serves it back, and deletes it with the chat', async () => {
    const u = await t.user();
    const image = png(40, 30);
    const { status, body: att } = await upload(t, u.auth, image, 'shelf.png', 'image/png');
    expect(status).toBe(201);
    const inBucket = await fetch(objectUrl(u.id, att.id));
    expect(inBucket.status).toBe(200);
    expect(Buffer.from(await inBucket.arrayBuffer()).equals(image)).toBe(true);

    upstream.enqueue({ kind: 'text', text: 'A shelf.' });
    const sent = await sendJson(t, u.auth, { message: 'What is this?', attachment_ids: [att.id] });
    expect(sent.status).toBe(200);
    const question = upstream.lastRequest().messages.at(-1) as {
      content: Array<{ type: string; image_url?: { url: string } }>;
    };
    const url = question.content[1].image_url!.url;
    expect(url.startsWith(`${s3!.endpoint}/${s3!.bucket}/site-a/${u.id}/${att.id}?`)).toBe(true);
    expect(url).toContain('X-Amz-Expires=600');
    // What the model's provider would do with it: fetch it, and get the image as an image.
    const fetched = await fetch(url);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await fetched.arrayBuffer()).equals(image)).toBe(true);

    const download = await fetch(`${t.url}${att.url}`, { headers: u.auth });
    expect(Buffer.from(await download.arrayBuffer()).equals(image)).toBe(true);

    const del = await fetch(`${t.url}/api/chat/sessions/${sent.body.session_id}`, {
      method: 'DELETE',
      headers: u.auth,
    });
    expect(del.status).toBe(204);
    await eventually(
      'the object is gone from the bucket',
      async () => (await fetch(objectUrl(u.id, att.id))).status === 404,
    );
  });

  it('leaves nothing in the bucket of an upload refused at its size limit', async () => {
    const u = await t.user();
    // One byte over: within what multipart framing may add, so it streams until the counter stops
    // it, four 5 MiB parts into a multipart upload that must then be aborted.
    const big = Buffer.alloc(t.config.attachments.maxBytes + 1, 'a');
    const { status, body } = await upload(t, u.auth, big, 'big.txt');
    expect([status, body.code]).toEqual([413, 'ATTACHMENT_TOO_LARGE']);
    expect(s3!.started.length).toBeGreaterThan(0);
    expect(await s3!.pendingUploads()).toEqual([]);
    const listing = await (await fetch(`${s3!.endpoint}/${s3!.bucket}?prefix=site-a/${u.id}/`)).text();
    expect(listing).toContain('<ListBucketResult');
    expect(listing).not.toContain('<Key>');
  });
});
