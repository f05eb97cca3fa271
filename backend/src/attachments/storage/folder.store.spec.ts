import { eventually } from '@pulse/testkit';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { digestOf, generatedBody } from '../../../test/support/attachment-bodies.js';
import { AttachmentObjectMissing } from './attachment-store.js';
import { FolderAttachmentStore } from './folder.store.js';

const MiB = 1024 * 1024;
const userId = randomUUID();
const keyOf = (user = userId) => `${user}/${randomUUID()}`;

describe('FolderAttachmentStore', () => {
  let parent: string;
  let dir: string;
  let store: FolderAttachmentStore;

  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'pulse-folder-store-'));
    dir = join(parent, 'data', 'attachments');
    store = new FolderAttachmentStore(dir);
  });
  afterEach(() => rm(parent, { recursive: true, force: true }));

  it('creates its folder, owner-only, on the first upload, not before', async () => {
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });

    await store.put(keyOf(), generatedBody(10).body, 'text/plain');

    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, userId))).mode & 0o777).toBe(0o700);
  });

  it('stores a body under <dir>/<user>/<attachment> and gives the same bytes back', async () => {
    const key = keyOf();
    const made = generatedBody(3 * MiB + 17);

    const stored = await store.put(key, made.body, 'application/pdf');

    expect(stored).toEqual({ key, bytes: 3 * MiB + 17 });
    expect((await stat(join(dir, key))).size).toBe(3 * MiB + 17);
    expect(await digestOf(await store.get(key))).toEqual({ sha256: made.sha256(), bytes: 3 * MiB + 17 });
    // Only the file: the temporary name it was written under is gone.
    expect(await readdir(join(dir, userId))).toEqual([key.split('/')[1]]);
  });

  it('writes the body to disk as it arrives, without waiting for its end', async () => {
    const key = keyOf();
    const body = new PassThrough();
    const put = store.put(key, body, 'application/octet-stream');
    body.write(Buffer.alloc(MiB, 1));

    // The first MiB is on disk, under a temporary name, while the body is still open.
    const temp = await eventually('the first MiB on disk', async () => {
      const names = await readdir(join(dir, userId)).catch(() => []);
      const name = names.find((n) => n.endsWith('.tmp'));
      return name && (await stat(join(dir, userId, name))).size === MiB ? name : undefined;
    });
    await expect(stat(join(dir, key))).rejects.toMatchObject({ code: 'ENOENT' });

    body.end(Buffer.alloc(MiB, 2));
    await expect(put).resolves.toEqual({ key, bytes: 2 * MiB });
    await expect(stat(join(dir, userId, temp))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('leaves nothing behind when the body fails midway, and rejects with the body error', async () => {
    const key = keyOf();
    const tooLarge = new Error('over the size limit');
    const made = generatedBody(10 * MiB, { after: 2 * MiB, error: tooLarge });

    await expect(store.put(key, made.body, 'application/pdf')).rejects.toBe(tooLarge);

    expect(made.sent()).toBe(2 * MiB);
    expect(await readdir(join(dir, userId))).toEqual([]);
    await expect(store.get(key)).rejects.toBeInstanceOf(AttachmentObjectMissing);
  });

  it('leaves nothing behind when the body is destroyed without an error', async () => {
    const key = keyOf();
    const body = new PassThrough();
    const put = store.put(key, body, 'application/octet-stream');
    body.write(Buffer.alloc(64 * 1024));
    await eventually('the upload under way', async () => (await readdir(join(dir, userId))).length === 1);

    body.destroy();

    await expect(put).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
    expect(await readdir(join(dir, userId))).toEqual([]);
  });

  it('rejects get of a key with no file with AttachmentObjectMissing naming the key', async () => {
    const neverUsedUser = keyOf(randomUUID());
    await expect(store.get(neverUsedUser)).rejects.toEqual(new AttachmentObjectMissing(neverUsedUser));

    await store.put(keyOf(), generatedBody(1).body, 'text/plain');
    const missingInUsedFolder = keyOf();
    await expect(store.get(missingInUsedFolder)).rejects.toMatchObject({
      name: 'AttachmentObjectMissing',
      key: missingInUsedFolder,
    });
  });

  it('deletes several keys, ignores missing ones, and removes a user folder once it is empty', async () => {
    const otherUser = randomUUID();
    const [a, b, kept, other] = [keyOf(), keyOf(), keyOf(), keyOf(otherUser)];
    for (const key of [a, b, kept, other]) await store.put(key, generatedBody(100).body, 'text/plain');

    await store.delete([a, b, keyOf(), keyOf(randomUUID())]);

    expect(await readdir(join(dir, userId))).toEqual([kept.split('/')[1]]);
    await expect(store.get(a)).rejects.toBeInstanceOf(AttachmentObjectMissing);
    await expect(store.get(b)).rejects.toBeInstanceOf(AttachmentObjectMissing);

    await store.delete([other, kept]);

    expect(await readdir(dir)).toEqual([]);
    await store.delete([kept]);
    await store.delete([]);
  });

  it('refuses keys that are not <uuid>/<uuid>, touching nothing outside its folder', async () => {
    const outside = join(parent, 'secret');
    await writeFile(outside, 'keep me');
    const id = randomUUID();
    const bad = [
      '../secret',
      `${id}/../../secret`,
      `../${id}`,
      `${id}/..`,
      `/${id}/${id}`,
      `${id}/${id}/${id}`,
      `${id}\\${id}`,
      `${id}/${id}.tmp`,
      `${id}/${id}\n`,
      `${id.toUpperCase()}/${id}`,
      id,
      '',
    ];

    for (const key of bad) {
      await expect(store.put(key, generatedBody(1).body, 'text/plain')).rejects.toBeInstanceOf(RangeError);
      await expect(store.get(key)).rejects.toBeInstanceOf(RangeError);
      await expect(store.delete([key])).rejects.toBeInstanceOf(RangeError);
    }
    // A bad key among good ones: nothing of the batch is deleted.
    const good = keyOf();
    await store.put(good, generatedBody(1).body, 'text/plain');
    await expect(store.delete([good, '../secret'])).rejects.toBeInstanceOf(RangeError);
    await expect(store.get(good)).resolves.toBeDefined();

    expect(await readFile(outside, 'utf8')).toBe('keep me');
  });

  it('has no signed URLs', async () => {
    const key = keyOf();
    await store.put(key, generatedBody(1).body, 'image/png');
    await expect(store.signedUrl(key, 'image/png', 60)).resolves.toBeUndefined();
    expect(store.kind).toBe('folder');
  });
});
