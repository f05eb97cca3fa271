import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../auth/auth-user.js';
import { AppError } from '../common/app-error.js';
import { Database, type Queryable } from '../database/database.js';
import type { FeedbackDto, PutFeedbackDto } from './dto/feedback.dto.js';
import { FeedbackRepository } from './feedback.repository.js';

const messageNotFound = () => new AppError('MESSAGE_NOT_FOUND', 'No such message.');

/** Ratings of answers. Someone else's message and a missing one are the same 404. */
@Injectable()
export class FeedbackService {
  constructor(
    private readonly db: Database,
    private readonly feedback: FeedbackRepository,
  ) {}

  put(user: AuthUser, messageId: string, dto: PutFeedbackDto): Promise<FeedbackDto> {
    return this.db.asUser(user.id, async (tx) => {
      await this.requireAnswer(tx, user, messageId);
      return this.feedback.upsert(tx, user.id, messageId, { rating: dto.rating, comment: dto.comment ?? null });
    });
  }

  /** Removing a rating that is not there is not an error: the message ends up unrated either way. */
  async remove(user: AuthUser, messageId: string): Promise<void> {
    await this.db.asUser(user.id, async (tx) => {
      await this.requireAnswer(tx, user, messageId);
      await this.feedback.delete(tx, user.id, messageId);
    });
  }

  private async requireAnswer(tx: Queryable, user: AuthUser, messageId: string): Promise<void> {
    const role = await this.feedback.roleOfMessage(tx, user.id, messageId);
    if (!role) throw messageNotFound();
    if (role !== 'assistant')
      throw new AppError('INVALID_MESSAGE_ROLE', 'Only answers (assistant messages) can be rated.', {
        field: 'message_id',
      });
  }
}
