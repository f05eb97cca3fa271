import { Injectable } from '@nestjs/common';
import type { Queryable } from '../database/database.js';
import type { MessageAttachmentDto } from '../attachments/dto/attachment.dto.js';
import type { MessageDto } from './dto/session.dto.js';

const COLUMNS = `id, session_id, seq::int as seq, role, content, created_at, metadata, parent_id`;
/**
 * The owner's rating of the message `b`, for the reads the API returns: one primary-key lookup per
 * returned row (chat_message_feedback is keyed by message_id), so a page costs the same at any size.
 */
const FEEDBACK = `(select jsonb_build_object('rating', f.rating, 'comment', f.comment,
       'updated_at', to_char(f.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
     from public.chat_message_feedback f where f.message_id = b.id) as feedback`;

export type Role = 'system' | 'user' | 'assistant';

/** A message as stored, without what the API derives from its neighbours (its siblings). */
export type StoredMessage = Omit<MessageDto, 'sibling_ids' | 'sibling_index' | 'attachments'>;

/** A turn of the model's memory. */
export interface WindowTurn {
  id: string;
  role: Role;
  content: string;
  /** Present when the message carries files (its metadata's `attachments`). */
  attachments?: MessageAttachmentDto[];
}

/**
 * `branch`: the message `start` (an SQL expression) and its ancestors, nearest first, each with
 * its `depth` (1 = start). Every step is one primary-key lookup, so reading the last N messages of
 * a branch costs N lookups however long the session is. `$1` is the session.
 *
 * The steps name no session: the composite foreign key (session_id, parent_id) already keeps a
 * parent in its child's session, and with `session_id = $1` beside `id = b.parent_id` a plan
 * made while the table was small (statements are prepared once per connection) chose the
 * session's index and read every message of the session at every step.
 */
const branchFrom = (start: string, opts: { stopAt?: string } = {}) => `
  branch as (
    select cm.*, 1 as depth from public.chat_messages cm where cm.session_id = $1 and cm.id = (${start})
    union all
    select p.*, b.depth + 1 from branch b
      cross join lateral (
        select * from public.chat_messages where id = b.parent_id
      ) p
     ${opts.stopAt ? `where b.id <> ${opts.stopAt}` : ''}
  )`;

/**
 * `sibling_ids` of the row `b`: the children of its parent with its role, oldest first (a first
 * message's siblings are the session's other first messages). Two branches because an index
 * serves `parent_id = x` and `parent_id is null`, but not `is not distinct from`. Ordered by
 * (parent_id, seq), the index's own order: after `is null` the planner does not know parent_id is
 * constant, and ordering by seq alone would sort (Postgres 16+ puts a Sort under the aggregate).
 */
const SIBLING_IDS = `coalesce(
    (select jsonb_agg(s.id order by s.parent_id, s.seq) from public.chat_messages s
      where s.session_id = $1 and s.parent_id = b.parent_id and s.role = b.role),
    (select jsonb_agg(s.id order by s.parent_id, s.seq) from public.chat_messages s
      where s.session_id = $1 and s.parent_id is null and b.parent_id is null and s.role = b.role),
    '[]'::jsonb
  ) as sibling_ids`;

const BRANCH_COLUMNS = `b.id, b.session_id, b.seq::int as seq, b.role, b.content, b.created_at, b.metadata, b.parent_id,
  coalesce(b.metadata->'attachments', '[]'::jsonb) as attachments,
  ${SIBLING_IDS}, ${FEEDBACK}, b.depth`;

const LEAF = 'select current_leaf_id from public.chat_sessions where id = $1';

type BranchRow = Omit<MessageDto, 'sibling_index'> & { depth: number };

/**
 * Rows of a walk in `order` (desc: nearest the start first), with sibling_index. Ordered here,
 * not in SQL: a Sort over the page would sit above its sibling lookups in the plan.
 */
function branchPage(rows: BranchRow[], order: 'asc' | 'desc'): MessageDto[] {
  const sign = order === 'desc' ? 1 : -1;
  return rows
    .sort((a, b) => sign * (a.depth - b.depth))
    .map(({ depth: _depth, ...m }) => ({ ...m, sibling_index: m.sibling_ids.indexOf(m.id) + 1 }));
}

const attachmentsOf = (metadata?: Record<string, unknown>): { attachments?: MessageAttachmentDto[] } =>
  Array.isArray(metadata?.attachments) ? { attachments: metadata.attachments as MessageAttachmentDto[] } : {};

/**
 * SQL for chat_messages. A session is a tree (parent_id); reads follow its active branch by
 * walking up from the session's current_leaf_id along the primary key, so a session with
 * 100,000 messages costs the same as one with ten.
 */
@Injectable()
export class MessagesRepository {
  /** The latest `limit` messages of the active branch, oldest first, and whether older ones exist. */
  async latest(tx: Queryable, sessionId: string, limit: number): Promise<{ messages: MessageDto[]; hasMore: boolean }> {
    const rows = await this.page(tx, sessionId, { limit, order: 'desc' });
    return { messages: rows.slice(0, limit).reverse(), hasMore: rows.length > limit };
  }

  /**
   * A keyset page of the active branch in `order` (plus one row beyond, to tell has_more),
   * continuing after the message `after`. Newest first walks up from the leaf (or from `after`);
   * oldest first walks up from the leaf to `after` (to the first message without it), so it
   * costs the branch's length below the cursor. An `after` off the active branch gives, newest
   * first, the branch through it; oldest first, nothing.
   */
  async page(
    tx: Queryable,
    sessionId: string,
    opts: { limit: number; order: 'asc' | 'desc'; after?: string },
  ): Promise<MessageDto[]> {
    if (opts.order === 'desc') {
      const start = opts.after ? 'select parent_id from public.chat_messages where session_id = $1 and id = $3' : LEAF;
      const { rows } = await tx.query<BranchRow>(
        `with recursive ${branchFrom(start)}
         select ${BRANCH_COLUMNS} from (select * from branch limit $2) b`,
        opts.after ? [sessionId, opts.limit + 1, opts.after] : [sessionId, opts.limit + 1],
      );
      return branchPage(rows, 'desc');
    }
    const { rows } = await tx.query<BranchRow>(
      `with recursive ${branchFrom(LEAF, opts.after ? { stopAt: '$3::uuid' } : {})}
       select ${BRANCH_COLUMNS} from (select * from branch order by depth desc limit $2) b`,
      opts.after ? [sessionId, opts.limit + 2, opts.after] : [sessionId, opts.limit + 1],
    );
    const page = branchPage(rows, 'asc');
    if (!opts.after) return page;
    // The walk stopped at the cursor only if the cursor is on the active branch.
    return page[0]?.id === opts.after ? page.slice(1) : [];
  }

  /**
   * Appends a message at the session's next position under `parentId`. Bumping last_seq takes
   * the session's row lock, so concurrent appends get distinct, gapless, commit-ordered seqs.
   * The new message becomes the leaf only while the leaf is still `ifLeaf`: an answer lands on
   * the branch it answers, and a branch the user chose meanwhile stays chosen.
   */
  async append(
    tx: Queryable,
    sessionId: string,
    role: Role,
    content: string,
    metadata: Record<string, unknown>,
    id: string,
    place: { parentId: string | null; ifLeaf: string | null },
  ): Promise<StoredMessage | undefined> {
    const { rows } = await tx.query<StoredMessage>(
      `with s as (
         update public.chat_sessions
            set last_seq = last_seq + 1, last_message_at = now(), updated_at = now(),
                current_leaf_id = case when current_leaf_id is not distinct from $7::uuid then $5::uuid
                                       else current_leaf_id end
          where id = $1
          returning last_seq
       )
       insert into public.chat_messages (id, session_id, seq, role, content, metadata, parent_id)
       select $5::uuid, $1, s.last_seq, $2, $3, $4::jsonb, $6::uuid from s
       returning ${COLUMNS}`,
      [sessionId, role, content, JSON.stringify(metadata), id, place.parentId, place.ifLeaf],
    );
    return rows[0];
  }

  /**
   * The hot path of a send, in one statement: lock the caller's *active* session, insert the
   * user's message at its next position (under the active branch's leaf, or under `parent` for an
   * edit), make it the leaf, and read the `history` turns before it on its branch (oldest first)
   * for the model. Nothing comes back when the session is missing, archived or someone else's.
   */
  async appendToActiveSession(
    tx: Queryable,
    userId: string,
    sessionId: string,
    content: string,
    history: number,
    parent?: { id: string | null },
    metadata?: Record<string, unknown>,
  ): Promise<
    | {
        session: { id: string; title: string; system_prompt: string | null };
        message: StoredMessage;
        window: WindowTurn[];
      }
    | undefined
  > {
    const { rows } = await tx.query<{
      title: string;
      system_prompt: string | null;
      message: StoredMessage;
      history: WindowTurn[];
    }>(
      // `l` locks the session first, so the leaf read is the latest even if another send just moved it.
      `with recursive n as (
         select gen_random_uuid() as id
       ), l as (
         select id, current_leaf_id from public.chat_sessions
          where id = $1 and user_id = $2 and is_active
          for update
       ), s as (
         update public.chat_sessions c
            set last_seq = c.last_seq + 1, last_message_at = now(), updated_at = now(),
                current_leaf_id = (select id from n)
           from l
          where c.id = l.id
          returning c.id, c.title, c.system_prompt, c.last_seq,
                    case when $5::boolean then $6::uuid else l.current_leaf_id end as parent_id
       ), m as (
         insert into public.chat_messages (id, session_id, seq, role, content, parent_id, metadata)
         select n.id, s.id, s.last_seq, 'user', $3, s.parent_id, coalesce($7::jsonb, '{}'::jsonb) from s, n
         returning ${COLUMNS}
       ), ${branchFrom('select parent_id from s')}
       select s.title, s.system_prompt, to_jsonb(m) as message,
              coalesce((select jsonb_agg(jsonb_strip_nulls(jsonb_build_object('id', w.id, 'role', w.role,
                                   'content', w.content, 'attachments', w.metadata->'attachments')) order by w.depth desc)
                          from (select id, role, content, metadata, depth from branch limit $4) w),
                       '[]'::jsonb) as history
         from s, m`,
      [
        sessionId,
        userId,
        content,
        history,
        parent !== undefined,
        parent?.id ?? null,
        metadata ? JSON.stringify(metadata) : null,
      ],
    );
    const row = rows.at(0);
    if (!row) return undefined;
    return {
      session: { id: sessionId, title: row.title, system_prompt: row.system_prompt },
      message: row.message,
      window: [...row.history, { id: row.message.id, role: 'user', content, ...attachmentsOf(metadata) }],
    };
  }

  /** The model's memory: the message `uptoId` and the `count` - 1 before it on its branch, oldest first. */
  async window(tx: Queryable, sessionId: string, uptoId: string, count: number): Promise<WindowTurn[]> {
    const { rows } = await tx.query<Omit<WindowTurn, 'attachments'> & { attachments: MessageAttachmentDto[] | null }>(
      `with recursive ${branchFrom('$2::uuid')}
       select id, role, content, metadata->'attachments' as attachments from branch limit $3`,
      [sessionId, uptoId, count],
    );
    return rows.reverse().map(({ attachments, ...turn }) => (attachments ? { ...turn, attachments } : turn));
  }

  /**
   * Makes the branch through `messageId` active: from it, the newest child down to a leaf.
   * False when the message is not in the session (nothing changes then).
   */
  async chooseBranch(tx: Queryable, sessionId: string, messageId: string): Promise<boolean> {
    const { rowCount } = await tx.query(
      `with recursive down as (
         select m.id, 1 as depth from public.chat_messages m where m.session_id = $1 and m.id = $2
         union all
         select c.id, d.depth + 1 from down d
           cross join lateral (
             select id from public.chat_messages
              where session_id = $1 and parent_id = d.id order by seq desc limit 1
           ) c
       ), leaf as (
         select id from down order by depth desc limit 1
       )
       update public.chat_sessions s set current_leaf_id = leaf.id from leaf where s.id = $1`,
      [sessionId, messageId],
    );
    return rowCount > 0;
  }

  async findById(tx: Queryable, sessionId: string, id: string): Promise<StoredMessage | undefined> {
    const { rows } = await tx.query<StoredMessage>(
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
