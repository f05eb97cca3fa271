import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../auth/auth-user.js';
import { MessageAttachments } from '../attachments/message-attachments.js';
import { AppError } from '../common/app-error.js';
import { AppConfig } from '../config/app-config.js';
import { Database, type Queryable } from '../database/database.js';
import { titleFrom } from '../memory/title.js';
import { MessagesRepository, type StoredMessage } from '../sessions/messages.repository.js';
import { SessionsRepository } from '../sessions/sessions.repository.js';
import { quotaExceededFrom } from '../usage/quota-exceeded.js';
import { UsageRepository } from '../usage/usage.repository.js';
import { messageNotFound, sessionNotFound } from '../sessions/sessions.service.js';
import type { SendMessageDto } from './dto/send-message.dto.js';
import type { SendResultDto } from './dto/send-result.dto.js';
import { IdempotencyService } from './idempotency.service.js';
import type { BranchTarget, SendOptions, StoredQuestion } from './send.js';

/**
 * The question stored (its COMMIT may still be under way: `committed` settles with it), or the
 * stored result a retry with the same key replays.
 */
export type QuestionStep =
  { replay: SendResultDto } | { replay?: undefined; question: StoredQuestion; committed: Promise<void> };

const invalidRole = (message: string) => new AppError('INVALID_MESSAGE_ROLE', message, { field: 'message_id' });

/**
 * A send's first step, one transaction: the idempotency claim, the session (created when the
 * send names none), the user's message (under the active branch's leaf, or beside the edited
 * one; none for a regenerate), and the memory window of that message's branch.
 */
@Injectable()
export class QuestionsService {
  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly sessions: SessionsRepository,
    private readonly messages: MessagesRepository,
    private readonly idempotency: IdempotencyService,
    private readonly attachments: MessageAttachments,
    private readonly usage: UsageRepository,
  ) {}

  /**
   * Resolves once what the model needs was read, before the COMMIT settles (`stored.committed`):
   * the caller asks the model meanwhile and shows nothing of the answer before it succeeded.
   */
  async store(
    user: AuthUser,
    dto: SendMessageDto,
    { idempotencyKey: key, target }: SendOptions,
  ): Promise<QuestionStep> {
    const sessionId = dto.session_id?.toLowerCase();
    // Refused before the database is asked anything.
    const attachmentIds = this.attachments.requested(dto.attachment_ids);
    if (!key && !target && sessionId && attachmentIds.length === 0) {
      // The common send (an existing session, no key to record): one statement, one round trip,
      // committed once it returns.
      // The insert's trigger counts the question against the daily quotas (or refuses it).
      const appended = await this.db
        .asUserStatement(user.id, (tx) =>
          this.messages.appendToActiveSession(tx, user.id, sessionId, dto.message, this.config.context.maxMessages),
        )
        .catch(quotaExceededFrom);
      if (!appended) throw sessionNotFound();
      const { id } = appended.message;
      const question = {
        session: appended.session,
        userMessageId: id,
        window: appended.window,
        created: false,
        leaf: id,
      };
      // The statement was its own transaction: committed already.
      return { question, committed: Promise.resolve() };
    }
    const staged = await this.db
      .asUserBeforeCommit(user.id, (tx) => this.inTransaction(tx, user, dto, key, target, attachmentIds))
      .catch(quotaExceededFrom);
    const { value } = staged;
    if ('replay' in value) {
      await staged.committed;
      return { replay: value.replay };
    }
    return { question: value, committed: staged.committed };
  }

  private async inTransaction(
    tx: Queryable,
    user: AuthUser,
    dto: SendMessageDto,
    key: string | undefined,
    target: BranchTarget | undefined,
    attachmentIds: string[],
  ): Promise<StoredQuestion | { replay: SendResultDto }> {
    const history = this.config.context.maxMessages;
    const claim = await this.idempotency.claim(tx, user.id, key, dto, target);
    if (claim.replay) return { replay: claim.replay };
    const { earlier } = claim;

    let sessionRef = earlier?.session_id ?? dto.session_id?.toLowerCase();
    // A retry answers the question stored the first time, with the files linked then.
    const files = earlier?.user_message_id ? [] : await this.attachments.claim(tx, sessionRef, attachmentIds);
    const content = this.attachments.questionText(dto.message, files);
    let created = false;
    if (!sessionRef) {
      const session = await this.sessions.create(tx, user.id, {
        title: titleFrom(content || files[0]?.filename || dto.message),
        system_prompt: dto.system_prompt ?? null,
      });
      sessionRef = session.id;
      created = true;
    }

    // A retry after a failure answers the question already stored instead of storing it again.
    if (earlier?.user_message_id) {
      const session = await this.sessions.findForUser(tx, user.id, sessionRef);
      if (!session || !session.is_active) throw sessionNotFound();
      const userMessage = await this.messages.findById(tx, session.id, earlier.user_message_id);
      if (!userMessage) throw sessionNotFound();
      await this.idempotency.attach(tx, user.id, key, session.id, userMessage.id);
      const window = await this.messages.window(tx, session.id, userMessage.id, history + 1);
      return { session, userMessageId: userMessage.id, window, created, leaf: session.current_leaf_id };
    }

    if (target?.kind === 'regenerate') {
      // A new answer to the question the regenerated one answers: nothing new is asked.
      const session = await this.sessions.findForUser(tx, user.id, sessionRef);
      if (!session || !session.is_active) throw sessionNotFound();
      const question = (await this.branchFrom(tx, session.id, target)).parent_id;
      if (!question) throw invalidRole('This answer has no question to answer again.');
      // No question is stored, so no insert counts it: counted here against the daily quotas.
      await this.usage.admitRegenerate(tx);
      const window = await this.messages.window(tx, session.id, question, history + 1);
      await this.idempotency.attach(tx, user.id, key, session.id, question);
      return { session, userMessageId: question, window, created, leaf: session.current_leaf_id };
    }

    // An edit is a new question beside the edited one (under the same parent).
    const parent = target ? { id: (await this.branchFrom(tx, sessionRef, target)).parent_id } : undefined;
    const appended = await this.messages.appendToActiveSession(
      tx,
      user.id,
      sessionRef,
      content,
      history,
      parent,
      files.length ? { attachments: this.attachments.listed(files) } : undefined,
    );
    if (!appended) throw sessionNotFound();
    await this.attachments.link(tx, appended.message.id, sessionRef, files);
    await this.idempotency.attach(tx, user.id, key, sessionRef, appended.message.id);
    const { id } = appended.message;
    return { session: appended.session, userMessageId: id, window: appended.window, created, leaf: id };
  }

  /** The message an edit or a regenerate starts from: the new sibling goes under its parent. */
  private async branchFrom(tx: Queryable, sessionId: string, target: BranchTarget): Promise<StoredMessage> {
    const message = await this.messages.findById(tx, sessionId, target.messageId);
    if (!message) throw messageNotFound();
    if (target.kind === 'edit' && message.role !== 'user') throw invalidRole('Only a user message can be edited.');
    if (target.kind === 'regenerate' && message.role !== 'assistant') {
      throw invalidRole('Only an answer can be regenerated.');
    }
    return message;
  }
}
