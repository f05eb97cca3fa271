import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { Speaker } from '../ai/voice/speaker.js';
import type { AuthUser } from '../auth/auth-user.js';
import { AppError } from '../common/app-error.js';
import { Database } from '../database/database.js';

/** SPEECH_MODEL reads more than this many characters of an answer as it would a long article: not at all. */
const MAX_SPOKEN_CHARS = 4096;

/** An answer read aloud by the speech model (SPEECH_MODEL); the widget falls back to the browser's voice. */
@Injectable()
export class SpeechService {
  constructor(
    private readonly db: Database,
    private readonly speaker: Speaker,
  ) {}

  async speak(user: AuthUser, messageId: string, signal: AbortSignal): Promise<{ mediaType: string; audio: Readable }> {
    if (!this.speaker.enabled) {
      throw new AppError(
        'SPEECH_NOT_CONFIGURED',
        'This site has no speech model (SPEECH_MODEL); read the answer with the browser instead.',
      );
    }
    // Row-level security keeps this to the caller's own messages: anyone else's is not found.
    const { rows } = await this.db.asUserStatement(user.id, (tx) =>
      tx.query<{ content: string }>("select content from public.chat_messages where id = $1 and role = 'assistant'", [
        messageId.toLowerCase(),
      ]),
    );
    const answer = rows.at(0);
    if (!answer) {
      throw new AppError('MESSAGE_NOT_FOUND', 'No such answer.', { field: 'message_id' });
    }
    return this.speaker.speak(answer.content.slice(0, MAX_SPOKEN_CHARS), signal);
  }
}
