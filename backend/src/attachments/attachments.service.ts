import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { Speaker } from '../ai/voice/speaker.js';
import { Transcriber } from '../ai/voice/transcriber.js';
import type { AuthUser } from '../auth/auth-user.js';
import { AppError } from '../common/app-error.js';
import { AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { AttachmentsRepository, type AttachmentRow } from './attachments.repository.js';
import type { AttachmentsConfigDto } from './dto/attachment.dto.js';
import { AttachmentStore } from './storage/attachment-store.js';

const attachmentNotFound = () => new AppError('ATTACHMENT_NOT_FOUND', 'No such attachment.');

/** A stored file on its way to its owner. */
export interface AttachmentDownload {
  row: AttachmentRow;
  body: Readable;
}

/** A user's attachments once uploaded: read back, deleted before use, and the limits they live under. */
@Injectable()
export class AttachmentsService {
  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly attachments: AttachmentsRepository,
    private readonly store: AttachmentStore,
    private readonly transcriber: Transcriber,
    private readonly speaker: Speaker,
  ) {}

  async limits(user: AuthUser): Promise<AttachmentsConfigDto> {
    const a = this.config.attachments;
    const used = await this.db.asUserStatement(user.id, (tx) => this.attachments.usedBytes(tx, user.id));
    return {
      max_bytes: a.maxBytes,
      per_message: a.perMessage,
      types: [...a.types],
      image_resize_over_bytes: a.imageResizeOverBytes,
      quota_bytes: a.quotaBytes,
      used_bytes: used,
      images: a.modelAcceptsImages,
      transcription: this.transcriber.enabled,
      speech: this.speaker.enabled,
    };
  }

  /** The owner's file; anyone else's id is the same 404 as a missing one (RLS hides the row). */
  async download(user: AuthUser, id: string): Promise<AttachmentDownload> {
    const row = await this.db.asUserStatement(user.id, (tx) => this.attachments.find(tx, id));
    if (!row) throw attachmentNotFound();
    return { row, body: await this.store.get(row.storage_key) };
  }

  /** An upload taken back before any message used it; its file follows through the garbage queue. */
  async delete(user: AuthUser, id: string): Promise<void> {
    await this.db.asUser(user.id, async (tx) => {
      const row = await this.attachments.find(tx, id);
      if (!row) throw attachmentNotFound();
      if (!(await this.attachments.deleteUnused(tx, id))) {
        throw new AppError('ATTACHMENT_IN_USE', 'This file was sent with a message; it goes away with its chat.');
      }
    });
  }
}
