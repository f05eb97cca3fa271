import type { Readable } from 'node:stream';

/** What a stored object turned out to be, counted while it streamed in. */
export interface StoredObject {
  key: string;
  bytes: number;
}

/**
 * Where attachment bytes live: a folder (the embedded default) or an S3-compatible bucket. Keys
 * are Pulse's own (`<userId>/<attachmentId>`), never a client's file name.
 */
export abstract class AttachmentStore {
  /** 'folder' or 's3', for logs and the health answer. */
  abstract readonly kind: 'folder' | 's3';

  /**
   * Streams `body` into `key`, never holding it whole in memory. Rejects (and leaves nothing
   * under `key`) if `body` errors, e.g. because the upload went over its size limit.
   */
  abstract put(key: string, body: Readable, mediaType: string): Promise<StoredObject>;

  /** The object's bytes as a stream; rejects with AttachmentObjectMissing if there is none. */
  abstract get(key: string): Promise<Readable>;

  /** Deletes the objects; a key with no object is not an error. */
  abstract delete(keys: string[]): Promise<void>;

  /**
   * A URL the model's provider can fetch the object from for `seconds`, or undefined when this
   * store has none (a folder).
   */
  abstract signedUrl(key: string, mediaType: string, seconds: number): Promise<string | undefined>;
}

export class AttachmentObjectMissing extends Error {
  constructor(readonly key: string) {
    super(`no stored object under ${key}`);
    this.name = 'AttachmentObjectMissing';
  }
}
