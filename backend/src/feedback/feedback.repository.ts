import { Injectable } from '@nestjs/common';
import type { Queryable } from '../database/database.js';
import type { Role } from '../sessions/messages.repository.js';
import type { FeedbackDto } from './dto/feedback.dto.js';

const COLUMNS = `message_id, rating, comment, updated_at`;

/**
 * SQL for chat_message_feedback. Every method runs in the caller's RLS transaction and also
 * names the user, so ownership is checked twice; all go through the message id's indexes.
 */
@Injectable()
export class FeedbackRepository {
  /** The role of one of the user's messages, or undefined when it is missing or someone else's. */
  async roleOfMessage(tx: Queryable, userId: string, messageId: string): Promise<Role | undefined> {
    const { rows } = await tx.query<{ role: Role }>(
      `select m.role from public.chat_messages m join public.chat_sessions s on s.id = m.session_id
        where m.id = $1 and s.user_id = $2`,
      [messageId, userId],
    );
    return rows[0]?.role;
  }

  /** Sets (or replaces) the user's rating of a message. */
  async upsert(
    tx: Queryable,
    userId: string,
    messageId: string,
    input: { rating: 'up' | 'down'; comment: string | null },
  ): Promise<FeedbackDto> {
    const { rows } = await tx.query<FeedbackDto>(
      `insert into public.chat_message_feedback (message_id, user_id, rating, comment)
       values ($1, $2, $3, $4)
       on conflict (message_id) do update
          set rating = excluded.rating, comment = excluded.comment, updated_at = now()
        where chat_message_feedback.user_id = excluded.user_id
       returning ${COLUMNS}`,
      [messageId, userId, input.rating, input.comment],
    );
    return rows[0];
  }

  async delete(tx: Queryable, userId: string, messageId: string): Promise<boolean> {
    const { rowCount } = await tx.query(
      'delete from public.chat_message_feedback where message_id = $1 and user_id = $2',
      [messageId, userId],
    );
    return rowCount > 0;
  }
}
