import { Injectable } from '@nestjs/common';
import type { Queryable } from '../database/database.js';
import type { AttachmentKind, TextChunk } from './content/attachment-content.js';
import type { AttachmentDto, MessageAttachmentDto } from './dto/attachment.dto.js';

/** An attachment row as the service works with it. */
export interface AttachmentRow {
  id: string;
  user_id: string;
  session_id: string | null;
  filename: string;
  media_type: string;
  kind: AttachmentKind;
  size_bytes: number;
  sha256: string;
  storage_key: string;
  created_at: string;
  expires_at: string | null;
  metadata: { pages?: number; tokens?: number; transcript?: string; duration_seconds?: number };
}

export interface NewAttachment {
  id: string;
  userId: string;
  filename: string;
  mediaType: string;
  kind: AttachmentKind;
  sizeBytes: number;
  sha256: string;
  storageKey: string;
  expiresAt: Date;
  metadata: AttachmentRow['metadata'];
}

/** A passage found for a question, with how well it matched. */
export interface FoundPassage {
  seq: number;
  page: number | null;
  tokens: number;
  content: string;
}

const COLUMNS = `id, user_id, session_id, filename, media_type, kind, size_bytes::float8 as size_bytes, sha256,
  storage_key, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created_at,
  to_char(expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as expires_at, metadata`;

/** As a message lists it: what the client needs to show and fetch it. */
export function toMessageAttachment(row: AttachmentRow): MessageAttachmentDto {
  const { pages, tokens, transcript } = row.metadata;
  return {
    id: row.id,
    filename: row.filename,
    media_type: row.media_type,
    kind: row.kind,
    size_bytes: row.size_bytes,
    url: `/api/chat/attachments/${row.id}`,
    ...(pages === undefined ? {} : { pages }),
    ...(tokens === undefined ? {} : { tokens }),
    ...(transcript === undefined ? {} : { transcript }),
  };
}

export function toAttachmentDto(row: AttachmentRow): AttachmentDto {
  return Object.assign(toMessageAttachment(row), { created_at: row.created_at, expires_at: row.expires_at });
}

/**
 * SQL for attachments, their passages and their links to messages. Reads and writes run in the
 * user's RLS-checked transactions, so another user's attachment is simply not there; the
 * garbage queue is read by the service role only.
 */
@Injectable()
export class AttachmentsRepository {
  /**
   * Inserts an upload and its passages, if the user's kept bytes stay within `quotaBytes` (0 = no
   * quota). The user's uploads are serialized on an advisory lock for the check, so two uploads
   * at once cannot both squeeze under the quota. Returns the row, or undefined over quota.
   */
  async insertWithinQuota(
    tx: Queryable,
    row: NewAttachment,
    chunks: TextChunk[],
    quotaBytes: number,
  ): Promise<AttachmentRow | undefined> {
    if (quotaBytes > 0) {
      await tx.query(`select pg_advisory_xact_lock(hashtextextended('pulse:attachments:' || $1, 0))`, [row.userId]);
      const used = await this.usedBytes(tx, row.userId);
      if (used + row.sizeBytes > quotaBytes) return undefined;
    }
    const { rows } = await tx.query<AttachmentRow>(
      `insert into public.chat_attachments
         (id, user_id, filename, media_type, kind, size_bytes, sha256, storage_key, expires_at, metadata)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)
       returning ${COLUMNS}`,
      [
        row.id,
        row.userId,
        row.filename,
        row.mediaType,
        row.kind,
        row.sizeBytes,
        row.sha256,
        row.storageKey,
        row.expiresAt.toISOString(),
        JSON.stringify(row.metadata),
      ],
    );
    if (chunks.length) {
      // One statement for every passage, however many pages.
      await tx.query(
        `insert into public.chat_attachment_chunks (attachment_id, seq, page, tokens, content)
         select $1, c.seq, c.page, c.tokens, c.content
           from unnest($2::int[], $3::int[], $4::int[], $5::text[]) as c(seq, page, tokens, content)`,
        [
          row.id,
          chunks.map((c) => c.seq),
          chunks.map((c) => c.page),
          chunks.map((c) => c.tokens),
          chunks.map((c) => c.content),
        ],
      );
    }
    return rows[0];
  }

  async usedBytes(tx: Queryable, userId: string): Promise<number> {
    const { rows } = await tx.query<{ used: number }>(
      'select coalesce(sum(size_bytes), 0)::float8 as used from public.chat_attachments where user_id = $1',
      [userId],
    );
    return rows[0]?.used ?? 0;
  }

  async find(tx: Queryable, id: string): Promise<AttachmentRow | undefined> {
    const { rows } = await tx.query<AttachmentRow>(`select ${COLUMNS} from public.chat_attachments where id = $1`, [
      id,
    ]);
    return rows[0];
  }

  /** The attachments named, locked until the transaction ends (a send links them), in the order asked. */
  async lockMany(tx: Queryable, ids: string[]): Promise<AttachmentRow[]> {
    const { rows } = await tx.query<AttachmentRow>(
      `select ${COLUMNS} from public.chat_attachments where id = any($1::uuid[]) for update`,
      [ids],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** Links them to a message of `sessionId`: they now belong to that session and no longer expire. */
  async link(tx: Queryable, messageId: string, sessionId: string, ids: string[]): Promise<void> {
    await tx.query(
      `with linked as (
         insert into public.chat_message_attachments (message_id, attachment_id, position)
         select $1, a.id, a.position::smallint from unnest($3::uuid[]) with ordinality as a(id, position)
         returning attachment_id
       )
       update public.chat_attachments set session_id = $2, expires_at = null
        where id in (select attachment_id from linked)`,
      [messageId, sessionId, ids],
    );
  }

  /** Deletes an upload no message used; false when it is in use (or not the user's). */
  async deleteUnused(tx: Queryable, id: string): Promise<boolean> {
    const { rowCount } = await tx.query(
      'delete from public.chat_attachments where id = $1 and session_id is null and expires_at is not null',
      [id],
    );
    return rowCount > 0;
  }

  /** Every passage of a file, in reading order. */
  async passages(tx: Queryable, attachmentId: string): Promise<FoundPassage[]> {
    const { rows } = await tx.query<FoundPassage>(
      'select seq, page, tokens, content from public.chat_attachment_chunks where attachment_id = $1 order by seq',
      [attachmentId],
    );
    return rows;
  }

  /**
   * The passages that best match `terms` (any of them, ranked by ts_rank_cd), best first, at most
   * `limit`. Full-text search in Postgres itself, so it works the same on PGlite and Supabase.
   */
  async searchPassages(tx: Queryable, attachmentId: string, terms: string[], limit: number): Promise<FoundPassage[]> {
    if (terms.length === 0) return [];
    const { rows } = await tx.query<FoundPassage>(
      `with q as (select to_tsquery('simple', $2) as query)
       select c.seq, c.page, c.tokens, c.content
         from public.chat_attachment_chunks c, q
        where c.attachment_id = $1 and c.search @@ q.query
        order by ts_rank_cd(c.search, q.query) desc, c.seq
        limit $3`,
      [attachmentId, terms.map((t) => `'${t}'`).join(' | '), limit],
    );
    return rows;
  }

  /** Uploads no message used whose time ran out; the delete trigger queues their files. */
  async deleteExpired(db: Queryable, limit = 1000): Promise<number> {
    const { rowCount } = await db.query(
      `delete from public.chat_attachments where id in (
         select id from public.chat_attachments where expires_at < now() limit $1)`,
      [limit],
    );
    return rowCount;
  }

  /** Files whose rows are gone (service role), oldest first. */
  async garbage(db: Queryable, limit = 500): Promise<string[]> {
    const { rows } = await db.query<{ storage_key: string }>(
      'select storage_key from public.chat_attachment_garbage order by deleted_at limit $1',
      [limit],
    );
    return rows.map((r) => r.storage_key);
  }

  async forgetGarbage(db: Queryable, keys: string[]): Promise<void> {
    await db.query('delete from public.chat_attachment_garbage where storage_key = any($1::text[])', [keys]);
  }
}
