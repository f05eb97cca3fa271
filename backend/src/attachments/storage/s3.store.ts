import { DeleteObjectsCommand, GetObjectCommand, NoSuchKey, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable } from 'node:stream';
import type { AttachmentsConfig } from '../../config/app-config.js';
import { checkAttachmentKey } from './attachment-key.js';
import { AttachmentObjectMissing, AttachmentStore, type StoredObject } from './attachment-store.js';

type S3Settings = NonNullable<AttachmentsConfig['s3']>;

/** S3's smallest part. Two in flight and one filling: an upload holds about 15 MiB at most. */
const PART_BYTES = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;
/** DeleteObjects takes at most this many keys a request. */
const DELETE_BATCH = 1000;

/**
 * Attachments in an S3-compatible bucket (AWS S3, Supabase Storage's S3 endpoint, R2, MinIO),
 * under `prefix + key`. Uploads are streamed as multipart uploads, so no file is ever held
 * whole, and an upload whose body fails is aborted, leaving neither an object nor parts.
 */
export class S3AttachmentStore extends AttachmentStore {
  readonly kind = 's3';
  private readonly client: S3Client;

  constructor(private readonly settings: S3Settings) {
    super();
    this.client = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: settings.forcePathStyle,
      // Unset: the SDK's own chain (environment, shared files, an instance role).
      credentials:
        settings.accessKeyId && settings.secretAccessKey
          ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey }
          : undefined,
      retryMode: 'standard',
      // The SDK's default (CRC32 on every upload and part) is refused by several S3-compatible
      // servers ("checksum type mismatch" on multipart uploads); checksums only where S3 requires
      // them work everywhere.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // Without them a bucket that stops answering holds an upload or a download forever.
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 60_000 },
    });
  }

  async put(key: string, body: Readable, mediaType: string): Promise<StoredObject> {
    const objectKey = this.objectKey(key);
    let bytes = 0;
    let bodyError: unknown;
    const counted = Readable.from(
      (async function* () {
        try {
          for await (const chunk of body) {
            bytes += (chunk as Buffer).length;
            yield chunk as Buffer;
          }
        } catch (err) {
          bodyError = err;
          throw err;
        }
      })(),
    );
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.settings.bucket, Key: objectKey, Body: counted, ContentType: mediaType },
      partSize: PART_BYTES,
      queueSize: PARTS_IN_FLIGHT,
      // On any failure Upload aborts the multipart upload, so S3 keeps no parts (and bills none).
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      body.destroy();
      // The body's own error (e.g. the upload went over its size limit) is what the caller
      // expects back, even when aborting the multipart upload then failed as well.
      throw bodyError ?? err;
    }
    return { key, bytes };
  }

  async get(key: string): Promise<Readable> {
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.objectKey(key) }),
      );
      // In Node the SDK's body is the HTTP response itself, an IncomingMessage.
      if (!(object.Body instanceof Readable)) throw new Error(`GetObject ${key}: the body is not a stream`);
      return object.Body;
    } catch (err) {
      if (isMissing(err)) throw new AttachmentObjectMissing(key);
      throw err;
    }
  }

  async delete(keys: string[]): Promise<void> {
    const objectKeys = keys.map((key) => this.objectKey(key));
    for (let start = 0; start < objectKeys.length; start += DELETE_BATCH) {
      const batch = objectKeys.slice(start, start + DELETE_BATCH);
      // A key without an object counts as deleted (S3's own rule); only real refusals come back.
      const result = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.settings.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = result.Errors ?? [];
      if (failed.length) {
        const { Key, Code, Message } = failed[0];
        throw new Error(
          `S3 refused to delete ${failed.length} of ${batch.length} objects (first: ${Key}: ${Code} ${Message})`,
        );
      }
    }
  }

  async signedUrl(key: string, mediaType: string, seconds: number): Promise<string | undefined> {
    const command = new GetObjectCommand({
      Bucket: this.settings.bucket,
      Key: this.objectKey(key),
      ResponseContentType: mediaType,
    });
    return getSignedUrl(this.client, command, { expiresIn: seconds });
  }

  private objectKey(key: string): string {
    return this.settings.prefix + checkAttachmentKey(key);
  }
}

/** No object under the key; a missing bucket is a misconfiguration and stays an error. */
function isMissing(err: unknown): boolean {
  if (err instanceof NoSuchKey) return true;
  return err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404 && err.name !== 'NoSuchBucket';
}
