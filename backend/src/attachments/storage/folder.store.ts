import { randomUUID } from 'node:crypto';
import { type FileHandle, mkdir, open, rename, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkAttachmentKey } from './attachment-key.js';
import { AttachmentObjectMissing, AttachmentStore, type StoredObject } from './attachment-store.js';

/**
 * Attachments as files under one folder, `<dir>/<userId>/<attachmentId>`: the store of a
 * single server (the embedded default, beside its database). A file appears whole or not at
 * all: it is written to a temporary name in the same folder, synced, then renamed into place.
 */
export class FolderAttachmentStore extends AttachmentStore {
  readonly kind = 'folder';

  constructor(private readonly dir: string) {
    super();
  }

  async put(key: string, body: Readable, _mediaType: string): Promise<StoredObject> {
    const { folder, file } = this.locate(key);
    // A leading dot and a suffix no key can have: never mistaken for an attachment.
    const temp = join(folder, `.${randomUUID()}.tmp`);
    const handle = await createIn(folder, temp);
    let bytes: number;
    try {
      // flush: the stream fsyncs the file before it closes it, so the rename publishes whole bytes.
      const out = handle.createWriteStream({ flush: true });
      await pipeline(body, out);
      await rename(temp, file);
      bytes = out.bytesWritten;
    } catch (err) {
      // The body failed (too large, the client went away) or the disk did: no half file stays.
      // (The stream closes the handle itself when it ends or is destroyed; closing twice is fine.)
      await handle.close();
      await rm(temp, { force: true });
      throw err;
    }
    try {
      await syncFolder(folder);
    } catch (err) {
      // A rejected put must leave no file: no row will ever point at it.
      await rm(file, { force: true });
      throw err;
    }
    return { key, bytes };
  }

  async get(key: string): Promise<Readable> {
    const { file } = this.locate(key);
    // Opened before the stream is handed out, so a missing file rejects here rather than
    // surfacing later as an error event on a stream the caller already started to send.
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (err) {
      if (errorCode(err) === 'ENOENT') throw new AttachmentObjectMissing(key);
      throw err;
    }
    return handle.createReadStream();
  }

  async delete(keys: string[]): Promise<void> {
    // Every key is checked before anything is deleted.
    const places = keys.map((key) => this.locate(key));
    for (const { file } of places) await rm(file, { force: true });
    for (const folder of new Set(places.map((p) => p.folder))) {
      try {
        await rmdir(folder);
      } catch (err) {
        // Still holds files (or an upload in progress), or was already gone: both are fine.
        if (!['ENOTEMPTY', 'EEXIST', 'ENOENT'].includes(errorCode(err) ?? '')) throw err;
      }
    }
  }

  signedUrl(_key: string, _mediaType: string, _seconds: number): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }

  private locate(key: string): { folder: string; file: string } {
    const [userId, attachmentId] = checkAttachmentKey(key).split('/') as [string, string];
    const folder = join(this.dir, userId);
    return { folder, file: join(folder, attachmentId) };
  }
}

/**
 * Opens a new file in `folder`, creating the folder (and the store's root) owner-only. A delete
 * may remove the user's folder between the mkdir and the open when it has just emptied it: the
 * open then finds no folder and is tried again.
 */
async function createIn(folder: string, file: string): Promise<FileHandle> {
  for (let attempt = 1; ; attempt++) {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    try {
      return await open(file, 'wx', 0o600);
    } catch (err) {
      if (errorCode(err) !== 'ENOENT' || attempt === 3) throw err;
    }
  }
}

/** Makes the rename itself durable. Platforms that cannot open a folder (Windows) skip it. */
async function syncFolder(folder: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(folder, 'r');
  } catch (err) {
    if (['EISDIR', 'EPERM', 'EACCES'].includes(errorCode(err) ?? '')) return;
    throw err;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}
