import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { AppConfig } from '../config/app-config.js';
import type { Queryable } from '../database/database.js';
import { AttachmentsRepository, toMessageAttachment, type AttachmentRow } from './attachments.repository.js';
import type { MessageAttachmentDto } from './dto/attachment.dto.js';

/**
 * A send's attachments: checked and locked in the send's transaction before its question is
 * stored (so a refusal stores nothing), then linked to the stored question.
 */
@Injectable()
export class MessageAttachments {
  constructor(
    private readonly config: AppConfig,
    private readonly attachments: AttachmentsRepository,
  ) {}

  /** The ids a send names, each once; more than ATTACHMENTS_PER_MESSAGE is refused before any database work. */
  requested(ids: string[] | undefined): string[] {
    const unique = [...new Set((ids ?? []).map((id) => id.toLowerCase()))];
    const max = this.config.attachments.perMessage;
    if (unique.length > max) {
      throw new AppError(
        'TOO_MANY_ATTACHMENTS',
        max === 0
          ? 'Attachments are turned off on this site.'
          : `A message can carry at most ${max} attachment${max === 1 ? '' : 's'}.`,
        { field: 'attachment_ids' },
      );
    }
    return unique;
  }

  /**
   * Locks the user's attachments named (RLS hides anyone else's: the same 404 as a missing one)
   * and checks they can go with a question in `sessionId` (undefined: a new session).
   */
  async claim(tx: Queryable, sessionId: string | undefined, ids: string[]): Promise<AttachmentRow[]> {
    if (ids.length === 0) return [];
    const rows = await this.attachments.lockMany(tx, ids);
    if (rows.length !== ids.length) {
      throw new AppError('ATTACHMENT_NOT_FOUND', 'One of the attachments does not exist (or was deleted).', {
        field: 'attachment_ids',
      });
    }
    for (const row of rows) {
      if (row.session_id && row.session_id !== sessionId) {
        throw new AppError(
          'ATTACHMENT_IN_OTHER_SESSION',
          `"${row.filename}" was sent in another chat; upload it again to use it here.`,
          { field: 'attachment_ids' },
        );
      }
      if (row.kind === 'image' && !this.config.attachments.modelAcceptsImages) {
        throw new AppError(
          'ATTACHMENT_NOT_SUPPORTED',
          `The AI model of this site cannot look at images, so "${row.filename}" cannot be sent.`,
          { field: 'attachment_ids' },
        );
      }
    }
    return rows;
  }

  async link(tx: Queryable, messageId: string, sessionId: string, rows: AttachmentRow[]): Promise<void> {
    if (rows.length)
      await this.attachments.link(
        tx,
        messageId,
        sessionId,
        rows.map((r) => r.id),
      );
  }

  /** What the message lists (kept in its metadata, so reading a chat costs no join). */
  listed(rows: AttachmentRow[]): MessageAttachmentDto[] {
    return rows.map(toMessageAttachment);
  }

  /**
   * The question's text as stored: the message, or, for a voice message sent without words, what
   * was said in it.
   */
  questionText(message: string, rows: AttachmentRow[]): string {
    if (/\S/.test(message)) return message;
    return rows
      .map((r) => r.metadata.transcript?.trim() ?? '')
      .filter(Boolean)
      .join('\n\n');
  }
}
