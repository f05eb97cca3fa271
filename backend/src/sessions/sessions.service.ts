import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../auth/auth-user.js';
import { AppError } from '../common/app-error.js';
import { Database, type Queryable } from '../database/database.js';
import type { CreateSessionDto } from './dto/create-session.dto.js';
import type { GetSessionQuery, ListMessagesQuery, ListSessionsQuery } from './dto/list-sessions.query.js';
import type { MessageListDto, SessionDto, SessionListDto, SessionWithMessagesDto } from './dto/session.dto.js';
import { LIMITS } from './dto/limits.js';
import type { UpdateSessionDto } from './dto/update-session.dto.js';
import { SessionChanges } from './session-changes.js';
import { MessagesRepository } from './messages.repository.js';
import { SessionsRepository } from './sessions.repository.js';
import { snippetAround } from '../search/snippet.js';

export const sessionNotFound = () => new AppError('SESSION_NOT_FOUND', 'No such chat session.');
export const messageNotFound = () =>
  new AppError('MESSAGE_NOT_FOUND', 'No such message in this chat session.', { field: 'message_id' });

function toList<T extends { id: string }>(rows: T[], limit: number) {
  const data = rows.slice(0, limit);
  return {
    object: 'list' as const,
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: rows.length > limit,
  };
}

/** A user's chat sessions. Someone else's session and a missing one are the same 404. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly db: Database,
    private readonly sessions: SessionsRepository,
    private readonly messages: MessagesRepository,
    private readonly changes: SessionChanges,
  ) {}

  create(user: AuthUser, dto: CreateSessionDto): Promise<SessionDto> {
    return this.db.asUserStatement(user.id, (tx) => this.sessions.create(tx, user.id, dto));
  }

  list(user: AuthUser, q: ListSessionsQuery): Promise<SessionListDto> {
    return this.db.asUser(user.id, async (tx) => {
      const after = q.after ? await this.sessions.cursorOf(tx, user.id, q.after) : undefined;
      if (q.after && !after)
        throw new AppError('INVALID_CURSOR', '`after` is not one of your sessions.', { field: 'after' });
      const opts = { limit: q.limit, includeArchived: q.include_archived, after };
      if (q.q === undefined) return toList(await this.sessions.listForUser(tx, user.id, opts), q.limit);
      const query = q.q;
      const rows = await this.sessions.searchForUser(tx, query, opts);
      return toList(
        rows.map(({ match_message_id, match_content, ...session }) => ({
          ...session,
          match: {
            message_id: match_message_id,
            snippet: snippetAround(match_content ?? session.title, query),
          },
        })),
        q.limit,
      );
    });
  }

  get(user: AuthUser, id: string, q: GetSessionQuery): Promise<SessionWithMessagesDto> {
    return this.db.asUser(user.id, async (tx) => {
      return this.withLatest(tx, user, id, q.limit);
    });
  }

  private async withLatest(tx: Queryable, user: AuthUser, id: string, limit: number): Promise<SessionWithMessagesDto> {
    const session = await this.require(tx, user, id);
    const { messages, hasMore } = await this.messages.latest(tx, id, limit);
    // oxlint-disable-next-line typescript/no-misused-spread -- SessionDto types a plain row: no prototype to lose.
    return { ...session, messages, has_more: hasMore };
  }

  listMessages(user: AuthUser, id: string, q: ListMessagesQuery): Promise<MessageListDto> {
    return this.db.asUser(user.id, async (tx) => {
      await this.require(tx, user, id);
      if (q.after && !(await this.messages.findById(tx, id, q.after))) {
        throw new AppError('INVALID_CURSOR', '`after` is not a message of this session.', { field: 'after' });
      }
      const rows = await this.messages.page(tx, id, { limit: q.limit, order: q.order, after: q.after?.toLowerCase() });
      return toList(rows, q.limit);
    });
  }

  /** Makes the branch through the message active (down its newest children) and returns the session as GET does. */
  chooseBranch(user: AuthUser, id: string, messageId: string): Promise<SessionWithMessagesDto> {
    this.changes.changed(id);
    return this.db.asUser(user.id, async (tx) => {
      await this.require(tx, user, id, { lock: true });
      if (!(await this.messages.chooseBranch(tx, id, messageId))) throw messageNotFound();
      return this.withLatest(tx, user, id, LIMITS.messagesPage.default);
    });
  }

  async update(user: AuthUser, id: string, dto: UpdateSessionDto): Promise<SessionDto> {
    this.changes.changed(id);
    const updated = await this.db.asUserStatement(user.id, (tx) => this.sessions.update(tx, user.id, id, dto));
    if (!updated) throw sessionNotFound();
    return updated;
  }

  /** Deletes the session and all its messages for good (archiving is PUT is_active=false). */
  async remove(user: AuthUser, id: string): Promise<void> {
    this.changes.changed(id);
    const deleted = await this.db.asUserStatement(user.id, (tx) => this.sessions.delete(tx, user.id, id));
    if (!deleted) throw sessionNotFound();
    this.changes.removed(id);
  }

  async clear(user: AuthUser, id: string): Promise<void> {
    this.changes.changed(id);
    await this.db.asUser(user.id, async (tx) => {
      await this.require(tx, user, id, { lock: true });
      await this.messages.clear(tx, id);
      await this.sessions.markCleared(tx, user.id, id);
    });
  }

  /** The caller's session inside an open transaction, or SESSION_NOT_FOUND. */
  async require(tx: Queryable, user: AuthUser, id: string, opts: { lock?: boolean } = {}): Promise<SessionDto> {
    const session = await this.sessions.findForUser(tx, user.id, id, opts);
    if (!session) throw sessionNotFound();
    return session;
  }
}
