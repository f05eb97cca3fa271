import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Transcriber } from '../ai/voice/transcriber.js';
import type { AuthUser } from '../auth/auth-user.js';
import { AppError } from '../common/app-error.js';
import { AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { TOKEN_COUNTER, type CountTokens } from '../memory/token-counter.js';
import { AttachmentsRepository, toAttachmentDto, type AttachmentRow } from './attachments.repository.js';
import type { SniffedType, TextChunk } from './content/attachment-content.js';
import { chunkText } from './content/chunk-text.js';
import { extractText } from './content/extract-text.js';
import { safeFilename } from './content/safe-filename.js';
import { SNIFF_BYTES, sniffType } from './content/sniff.js';
import type { AttachmentDto } from './dto/attachment.dto.js';
import {
  ByteCounter,
  formatBytes,
  MULTIPART_SLACK_BYTES,
  multipartFile,
  peek,
  readAll,
  tooLarge,
} from './multipart-file.js';
import { AttachmentStore } from './storage/attachment-store.js';

const quotaExceeded = (quotaBytes: number) =>
  new AppError(
    'ATTACHMENT_QUOTA_EXCEEDED',
    `Your attachments would take more than ${formatBytes(quotaBytes)}, the space each user has. Delete a chat with files to make room.`,
    { field: 'file' },
  );

/**
 * An upload, from the request's bytes to a stored attachment: its type decided from its first
 * bytes, streamed into the store through a counter that stops it at ATTACHMENT_MAX_BYTES, then
 * read (a document's text, a voice message's transcript) and recorded with the user's quota
 * checked. Whatever fails after the file was stored deletes it again.
 */
@Injectable()
export class UploadsService {
  private readonly logger = new Logger(UploadsService.name);

  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly attachments: AttachmentsRepository,
    private readonly store: AttachmentStore,
    private readonly transcriber: Transcriber,
    @Inject(TOKEN_COUNTER) private readonly countTokens: CountTokens,
  ) {}

  async upload(user: AuthUser, req: IncomingMessage): Promise<AttachmentDto> {
    const limits = this.config.attachments;
    if (limits.perMessage === 0) {
      throw new AppError('ATTACHMENT_NOT_SUPPORTED', 'Attachments are turned off on this site.', { field: 'file' });
    }
    // Refused before a byte of the body is read when the request says how big it is.
    const declared = Number(req.headers['content-length']);
    if (declared > limits.maxBytes + MULTIPART_SLACK_BYTES) throw tooLarge(limits.maxBytes);
    if (limits.quotaBytes > 0 && declared > MULTIPART_SLACK_BYTES) {
      const used = await this.db.asUserStatement(user.id, (tx) => this.attachments.usedBytes(tx, user.id));
      if (used + declared - MULTIPART_SLACK_BYTES > limits.quotaBytes) throw quotaExceeded(limits.quotaBytes);
    }

    const file = await multipartFile(req);
    const filename = safeFilename(file.filename);
    const { head, body } = await peek(file.stream, SNIFF_BYTES);
    const type = await sniffType(head, filename, limits.types);

    const id = randomUUID();
    const key = `${user.id}/${id}`;
    const counter = new ByteCounter(limits.maxBytes);
    // The store reads from the counter, which fails past the limit and so ends the store's write.
    // Both settle before the answer: a refused upload's store write is cleaned up (a multipart
    // upload aborted) by the time the client hears of it.
    const [fed, put] = await Promise.allSettled([
      pipeline(body, counter).catch((err: unknown) => {
        counter.destroy(err as Error);
        throw err;
      }),
      this.store.put(key, counter, type.mediaType),
    ]);
    if (fed.status === 'rejected' || put.status === 'rejected') {
      await this.store.delete([key]).catch(() => undefined);
      throw fed.status === 'rejected' ? fed.reason : (put as PromiseRejectedResult).reason;
    }
    const sizeBytes = put.value.bytes;
    if (sizeBytes === 0) {
      await this.store.delete([key]);
      throw new AppError('ATTACHMENT_EMPTY', `"${filename}" is empty.`, { field: 'file' });
    }

    try {
      const { chunks, metadata } = await this.read(key, filename, type, sizeBytes);
      const row = await this.db.asUser(user.id, (tx) =>
        this.attachments.insertWithinQuota(
          tx,
          {
            id,
            userId: user.id,
            filename,
            mediaType: type.mediaType,
            kind: type.kind,
            sizeBytes,
            sha256: counter.sha256,
            storageKey: key,
            expiresAt: new Date(Date.now() + limits.unusedTtlMs),
            metadata,
          },
          chunks,
          limits.quotaBytes,
        ),
      );
      if (!row) throw quotaExceeded(limits.quotaBytes);
      return toAttachmentDto(row);
    } catch (err) {
      await this.store
        .delete([key])
        .catch((e: unknown) => this.logger.warn({ err: e }, 'could not delete a refused upload'));
      throw err;
    }
  }

  /** What Pulse reads from a stored file: a document's passages, a voice message's words. */
  private async read(
    key: string,
    filename: string,
    type: SniffedType,
    sizeBytes: number,
  ): Promise<{ chunks: TextChunk[]; metadata: AttachmentRow['metadata'] }> {
    if (type.kind === 'text' || type.kind === 'document') {
      const bytes = await readAll(await this.store.get(key));
      const extracted = await extractText(type.mediaType, bytes, { maxPages: this.config.attachments.pdfMaxPages });
      const chunks = chunkText(extracted, this.countTokens);
      const tokens = chunks.reduce((sum: number, c: TextChunk) => sum + c.tokens, 0);
      return {
        chunks,
        metadata: { tokens, ...(extracted.pageCount === undefined ? {} : { pages: extracted.pageCount }) },
      };
    }
    if (type.kind === 'audio') {
      const heard = await this.transcriber.transcribe(await this.store.get(key), {
        filename,
        mediaType: type.mediaType,
        bytes: sizeBytes,
      });
      return {
        chunks: [],
        metadata: {
          transcript: heard.text,
          ...(heard.durationSeconds === undefined ? {} : { duration_seconds: heard.durationSeconds }),
        },
      };
    }
    return { chunks: [], metadata: {} };
  }
}
