import { Inject, Injectable } from '@nestjs/common';
import { AI_PROVIDER, type AiProvider } from '../ai/ai-provider.js';
import type { AuthUser } from '../auth/auth-user.js';
import { AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { SessionsRepository } from '../sessions/sessions.repository.js';
import { BackgroundJobs } from './background-jobs.js';
import { modelText } from './model-text.js';

const INSTRUCTIONS =
  'Write a short title, at most six words, for a chat that begins with the exchange below, ' +
  "in the user's language. Answer with the title only: no quotes, no final full stop.";

/** Enough of the exchange to name it; the rest only costs tokens. */
const EXCERPT = 2000;
const MAX_TITLE = 80;

/**
 * What the model answered, as a title: its first non-empty line without a "Title:" label,
 * quotes, markdown emphasis or a final full stop, whitespace collapsed, at most 80 characters
 * (cut at a word). Nothing usable gives undefined, and the first-line title stays.
 */
export function cleanTitle(raw: string): string | undefined {
  const line = raw.split('\n').find((l) => l.trim() !== '') ?? '';
  let title = line
    .replace(/^\s*(?:#+\s*)?(?:title\s*:\s*)?/i, '')
    .replace(/["“”„«»`*]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^['‘’]+|['‘’]+$/g, '')
    .replace(/[.。]+$/, '')
    .trim();
  if (title.length > MAX_TITLE) {
    const cut = title.slice(0, MAX_TITLE - 1);
    const space = cut.lastIndexOf(' ');
    title = `${space > MAX_TITLE / 2 ? cut.slice(0, space) : cut}…`;
  }
  return title || undefined;
}

/**
 * TITLE_MODEL: once a chat's first answer is stored, a model (a cheaper one, if named) titles it
 * in the background. The title is stored only while the session still has its first-line title,
 * so a rename by the user in the meantime wins; any failure keeps the first-line title.
 */
@Injectable()
export class TitlesService {
  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly sessions: SessionsRepository,
    private readonly jobs: BackgroundJobs,
    @Inject(AI_PROVIDER) private readonly ai: AiProvider,
  ) {}

  afterFirstAnswer(user: AuthUser, e: { sessionId: string; title: string; question: string; answer: string }): void {
    const model = this.config.titles.model;
    if (!model) return;
    this.jobs.run('title', async (signal) => {
      const raw = await modelText(this.ai, {
        messages: [
          { role: 'system', content: INSTRUCTIONS },
          {
            role: 'user',
            content: `User: ${e.question.slice(0, EXCERPT)}\n\nAssistant: ${e.answer.slice(0, EXCERPT)}`,
          },
        ],
        model,
        temperature: 0.2,
        maxTokens: 32,
        signal,
        timeoutMs: this.config.chat.timeoutMs,
      });
      const title = cleanTitle(raw);
      if (!title || title === e.title) return;
      await this.db.asUser(user.id, (tx) => this.sessions.retitle(tx, user.id, e.sessionId, e.title, title));
    });
  }
}
