import { Injectable } from '@nestjs/common';
import type { Queryable } from '../database/database.js';
import type { MessageDto } from './dto/session.dto.js';

const COLUMNS = `id, session_id, seq::int as seq, role, content, created_at, metadata`;
/**
 * The column, not COLUMNS' `seq` output: a bare `order by seq` binds to the `seq::int`
 * expression, which no index serves, so Postgres would read and sort the whole session.
 */
const BY_SEQ = 'chat_messages.seq';
/**
 * The owner's rating of the message, for the reads the API returns: one primary-key lookup per
 * returned row (chat_message_feedback is keyed by message_id), so a page costs the same at any size.
 */
const FEEDBACK = `(select jsonb_build_object('rating', f.rating, 'comment', f.comment,
      'updated_at', to_char(f.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
    from public.chat_message_feedback f where f.message_id = chat_messages.id) as feedback`;

export type Role = 'system' | 'user' | 'assistant';

/**
 * SQL for chat_messages. All reads walk the (session_id, seq) index backwards or
 * forwards, so a session with 100,000 messages costs the same as one with ten.
 */
@Injectable()
export class MessagesRepository {
  /** The latest `limit` messages, oldest first, plus one row beyond to tell has_more. */
  async latest(tx: Queryable, sessionId: string, limit: number): Promise<{ messages: MessageDto[]; hasMore: boolean }> {
    const { rows } = await tx.query<MessageDto>(
      `select ${COLUMNS}, ${FEEDBACK} from public.chat_messages where session_id = $1 order by ${BY_SEQ} desc limit $2`,
      [sessionId, limit + 1],
    );
    const hasMore = rows.length > limit;
    return { messages: rows.slice(0, limit).reverse(), hasMore };
  }

  /** A keyset page in `order`, continuing after the message with id `after`. */
  async page(
    tx: Queryable,
    sessionId: string,
    opts: { limit: number; order: 'asc' | 'desc'; afterSeq?: number },
  ): Promise<MessageDto[]> {
    const params: unknown[] = [sessionId, opts.limit + 1];
    let where = 'session_id = $1';
    if (opts.afterSeq !== undefined) {
      params.push(opts.afterSeq);
      where += opts.order === 'desc' ? ' and seq < $3' : ' and seq > $3';
    }
    const { rows } = await tx.query<MessageDto>(
      `select ${COLUMNS}, ${FEEDBACK} from public.chat_messages where ${where} order by ${BY_SEQ} ${opts.order} limit $2`,
      params,
    );
    return rows;
  }

  async seqOf(tx: Queryable, sessionId: string, id: string): Promise<number | undefined> {
    const { rows } = await tx.query<{ seq: number }>(
      'select seq::int as seq from public.chat_messages where id = $1 and session_id = $2',
      [id, sessionId],
    );
    return rows[0]?.seq;
  }

  /**
   * Appends a message at the session's next position. Bumping last_seq takes the
   * session's row lock, so concurrent appends get distinct, gapless, commit-ordered seqs.
   */
  async append(
    tx: Queryable,
    sessionId: string,
    role: Role,
    content: string,
    metadata: Record<string, unknown> = {},
    id?: string,
  ): Promise<MessageDto | undefined> {
    const { rows } = await tx.query<MessageDto>(
      `with s as (
         update public.chat_sessions
            set last_seq = last_seq + 1, last_message_at = now(), updated_at = now()
          where id = $1
          returning last_seq
       )
       insert into public.chat_messages (id, session_id, seq, role, content, metadata)
       select coalesce($5::uuid, gen_random_uuid()), $1, s.last_seq, $2, $3, $4::jsonb from s
       returning ${COLUMNS}`,
      [sessionId, role, content, JSON.stringify(metadata), id ?? null],
    );
    return rows[0];
  }

  /**
   * The hot path of a send, in one statement: bump the position of the caller's *active*
   * session (taking its row lock), insert the user's message there, and read the `history`
   * turns before it (oldest first) for the model. Nothing comes back when the session is
   * missing, archived or someone else's.
   */
  async appendToActiveSession(
    tx: Queryable,
    userId: string,
    sessionId: string,
    content: string,
    history: number,
  ): Promise<
    | {
        session: { id: string; title: string; system_prompt: string | null };
        message: MessageDto;
        window: { role: Role; content: string }[];
      }
    | undefined
  > {
    const { rows } = await tx.query<{
      title: string;
      system_prompt: string | null;
      message: MessageDto;
      history: { role: Role; content: string }[];
    }>(
      `with s as (
         update public.chat_sessions
            set last_seq = last_seq + 1, last_message_at = now(), updated_at = now()
          where id = $1 and user_id = $2 and is_active
          returning id, title, system_prompt, last_seq
       ), m as (
         insert into public.chat_messages (session_id, seq, role, content)
         select s.id, s.last_seq, 'user', $3 from s
         returning ${COLUMNS}
       ), w as (
         -- The statement's snapshot predates the insert, so this is the history without the new message.
         select role, content, seq from public.chat_messages
          where session_id = $1 and seq < (select last_seq from s)
          order by seq desc limit $4
       )
       select s.title, s.system_prompt, to_jsonb(m) as message,
              coalesce((select jsonb_agg(jsonb_build_object('role', w.role, 'content', w.content) order by w.seq) from w),
                       '[]'::jsonb) as history
         from s, m`,
      [sessionId, userId, content, history],
    );
    const row = rows.at(0);
    if (!row) return undefined;
    return {
      session: { id: sessionId, title: row.title, system_prompt: row.system_prompt },
      message: row.message,
      window: [...row.history, { role: 'user', content }],
    };
  }

  /**
   * The model's memory: the `count` messages up to and including position `uptoSeq`,
   * oldest first, read backwards along the (session_id, seq) index in one query.
   */
  async window(tx: Queryable, sessionId: string, uptoSeq: number, count: number): Promise<MessageDto[]> {
    const { rows } = await tx.query<MessageDto>(
      `select ${COLUMNS} from public.chat_messages
        where session_id = $1 and seq <= $2 order by ${BY_SEQ} desc limit $3`,
      [sessionId, uptoSeq, count],
    );
    return rows.reverse();
  }

  async findById(tx: Queryable, sessionId: string, id: string): Promise<MessageDto | undefined> {
    const { rows } = await tx.query<MessageDto>(
      `select ${COLUMNS} from public.chat_messages where id = $1 and session_id = $2`,
      [id, sessionId],
    );
    return rows[0];
  }

  async clear(tx: Queryable, sessionId: string): Promise<number> {
    const { rowCount } = await tx.query('delete from public.chat_messages where session_id = $1', [sessionId]);
    return rowCount;
  }
}
