import type { MessageDto, SessionDto } from '../sessions/dto/session.dto.js';

const ROLE_HEADING = { user: 'User', assistant: 'Assistant', system: 'System' } as const;

function iso(value: string | Date): string {
  return new Date(value).toISOString();
}

/**
 * A download name anyone's disk and any Content-Disposition parser accept: ASCII letters,
 * digits and dashes only (accents folded, everything else a dash), never empty, plus the
 * start of the session id so two chats with one title do not overwrite each other.
 */
export function exportFilename(session: Pick<SessionDto, 'id' | 'title'>, extension: 'md' | 'json'): string {
  const slug = session.title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return `${slug || 'chat'}-${session.id.slice(0, 8)}.${extension}`;
}

/**
 * The conversation as Markdown: the title as the heading, then per message a heading with
 * its role and time, and its content verbatim (so code fences and the model's own Markdown
 * render as they did in the chat).
 */
export function toMarkdown(session: SessionDto, messages: MessageDto[], exportedAt: Date): string {
  const title = session.title.replace(/\s+/g, ' ').trim();
  const parts = [
    `# ${title}`,
    `Exported from Pulse on ${exportedAt.toISOString()} · session ${session.id} · started ${iso(session.created_at)}`,
  ];
  for (const m of messages) {
    parts.push('---', `## ${ROLE_HEADING[m.role]} · ${iso(m.created_at)}`, m.content);
  }
  return `${parts.join('\n\n')}\n`;
}
