import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../auth/auth-user.js';
import { LIMITS } from '../sessions/dto/limits.js';
import type { MessageDto, SessionDto } from '../sessions/dto/session.dto.js';
import { SessionsService } from '../sessions/sessions.service.js';
import type { SessionExportDto } from './dto/export.dto.js';
import { exportFilename, toMarkdown } from './export-format.js';

export interface ExportFile {
  filename: string;
  contentType: string;
  body: string | SessionExportDto;
}

/**
 * A session as a file. It reads through SessionsService's own reads (a session, then its
 * messages page by page), so an export always holds what GET /api/chat/sessions/{id}/messages
 * shows, archived sessions included, and someone else's session is the same 404.
 */
@Injectable()
export class ExportService {
  constructor(private readonly sessions: SessionsService) {}

  async export(user: AuthUser, id: string, format: 'md' | 'json'): Promise<ExportFile> {
    // oxlint-disable-next-line no-unused-vars -- the latest messages and has_more are dropped on purpose.
    const { messages: _latest, has_more: _more, ...session } = await this.sessions.get(user, id, { limit: 1 });
    const messages = await this.allMessages(user, id);
    const exportedAt = new Date();
    if (format === 'md') {
      return {
        filename: exportFilename(session, 'md'),
        contentType: 'text/markdown; charset=utf-8',
        body: toMarkdown(session, messages, exportedAt),
      };
    }
    return {
      filename: exportFilename(session, 'json'),
      contentType: 'application/json; charset=utf-8',
      body: { session: session as SessionDto, messages, exported_at: exportedAt.toISOString() },
    };
  }

  private async allMessages(user: AuthUser, id: string): Promise<MessageDto[]> {
    const out: MessageDto[] = [];
    let after: string | undefined;
    do {
      const page = await this.sessions.listMessages(user, id, {
        limit: LIMITS.messagesPage.max,
        order: 'asc',
        after,
      });
      out.push(...page.data);
      after = page.has_more ? (page.last_id ?? undefined) : undefined;
    } while (after);
    return out;
  }
}
