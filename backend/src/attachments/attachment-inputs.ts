import { Inject, Injectable } from '@nestjs/common';
import type { AiContentPart, AiMessage } from '../ai/ai-provider.js';
import type { AuthUser } from '../auth/auth-user.js';
import { AppConfig } from '../config/app-config.js';
import { Database, type Queryable } from '../database/database.js';
import type { ContextPlan, Turn } from '../memory/context-budget.js';
import { TOKEN_COUNTER, type CountTokens } from '../memory/token-counter.js';
import { AttachmentsRepository, type FoundPassage } from './attachments.repository.js';
import type { MessageAttachmentDto } from './dto/attachment.dto.js';
import { readAll } from './multipart-file.js';
import { AttachmentStore } from './storage/attachment-store.js';

/**
 * What an image costs the model, in tokens, for the budget: OpenAI bills a 512 px tile at 170
 * plus 85, and a photo the widget sent (at most 2048 px) is a few tiles. A fixed estimate: the
 * image's real cost is the provider's to count.
 */
const IMAGE_TOKENS = 850;

/** How long a signed image URL lives: the model's provider fetches it while it answers. */
const SIGNED_URL_SECONDS = 600;

/** Words too common to tell one passage from another. */
const STOPWORDS = new Set(
  (
    'a an and are as at be but by can do does for from has have how i in is it its me my no not of on or ' +
    'so that the their them there these this to was we what when where which who why will with you your'
  ).split(' '),
);

/** A passage of a long file that went to the model, as the answer's sources list it. */
interface AnswerSource {
  source_id: string;
  media_type: string;
  title: string;
  filename: string;
  page: number | null;
}

/** What went to the model of each attachment in the window, kept in the answer's metadata. */
interface SentAttachment {
  id: string;
  sent: 'image' | 'whole' | 'passages' | 'transcript' | 'left_out';
  pages?: number[];
}

export interface PlannedInputs {
  messages: AiMessage[];
  attachments: SentAttachment[];
  sources: AnswerSource[];
}

/** The words of a question worth searching a document for. */
export function searchTerms(question: string): string[] {
  const words = question.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words.filter((w) => (w.length > 1 || /\d/.test(w)) && !STOPWORDS.has(w)))].slice(0, 32);
}

interface Prepared {
  cost: number;
  parts: AiContentPart[];
  sent: SentAttachment;
  sources: AnswerSource[];
}

/**
 * Turns the attachments of the turns a plan sends into the model's content parts: images as
 * image_url parts, short files whole, long files as the passages that best match the question
 * (each with its page), voice messages as their transcripts. The question's own attachments
 * always go; an earlier message's go again only while the prompt stays within MAX_CONTEXT_TOKENS.
 */
@Injectable()
export class AttachmentInputs {
  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly attachments: AttachmentsRepository,
    private readonly store: AttachmentStore,
    @Inject(TOKEN_COUNTER) private readonly countTokens: CountTokens,
  ) {}

  /** `window` ends with the question; `plan` is what the budget chose of it. */
  async apply(user: AuthUser, window: Turn[], plan: ContextPlan): Promise<PlannedInputs> {
    const sentTurns = window.slice(window.length - plan.turns);
    if (!sentTurns.some((t) => t.attachments?.length)) return { messages: plan.messages, attachments: [], sources: [] };
    const question = window.at(-1)?.content ?? '';
    const offset = plan.messages.length - sentTurns.length;
    const messages = [...plan.messages];
    const record: SentAttachment[] = [];
    const sources: AnswerSource[] = [];
    let room = this.config.context.maxTokens === 0 ? Infinity : this.config.context.maxTokens - plan.tokens;

    await this.db.asUser(user.id, async (tx) => {
      // The question first, then earlier turns newest first: the nearest context wins the room left.
      for (let i = sentTurns.length - 1; i >= 0; i--) {
        const turn = sentTurns[i];
        if (!turn.attachments?.length) continue;
        const isQuestion = i === sentTurns.length - 1;
        const parts: AiContentPart[] = [];
        for (const a of turn.attachments) {
          const prepared = await this.prepare(tx, a, turn, question);
          if (!isQuestion && prepared.cost > room) {
            record.push({ id: a.id, sent: 'left_out' });
            parts.push({ type: 'text', text: `[Attached earlier: "${a.filename}" (not repeated here)]` });
            continue;
          }
          room -= prepared.cost;
          parts.push(...prepared.parts);
          record.push(prepared.sent);
          sources.push(...prepared.sources);
        }
        // A voice message alone is its transcript, which the turn's text already is.
        if (parts.length === 0) continue;
        const message = messages[offset + i];
        const text = typeof message.content === 'string' ? message.content : '';
        messages[offset + i] = { ...message, content: [...(text ? [{ type: 'text' as const, text }] : []), ...parts] };
      }
    });
    return { messages, attachments: record, sources };
  }

  private async prepare(tx: Queryable, a: MessageAttachmentDto, turn: Turn, question: string): Promise<Prepared> {
    if (a.kind === 'image') {
      return {
        cost: IMAGE_TOKENS,
        parts: [{ type: 'image_url', image_url: { url: await this.imageUrl(tx, a) } }],
        sent: { id: a.id, sent: 'image' },
        sources: [],
      };
    }
    if (a.kind === 'audio') {
      const transcript = a.transcript ?? '';
      // A voice message sent without words is stored as its transcript: the turn says it already.
      if (!transcript || transcript.trim() === turn.content.trim()) {
        return { cost: 0, parts: [], sent: { id: a.id, sent: 'transcript' }, sources: [] };
      }
      const text = `Voice message transcript:\n${transcript}`;
      return {
        cost: this.countTokens(text),
        parts: [{ type: 'text', text }],
        sent: { id: a.id, sent: 'transcript' },
        sources: [],
      };
    }
    return this.document(tx, a, question);
  }

  /** A text file or document: whole when it fits its cap, else its best passages for the question. */
  private async document(tx: Queryable, a: MessageAttachmentDto, question: string): Promise<Prepared> {
    const cap = this.config.attachments.textMaxTokens;
    const about = `"${a.filename}" (${a.media_type}${a.pages ? `, ${a.pages} pages` : ''})`;
    if ((a.tokens ?? 0) <= cap) {
      const passages = await this.attachments.passages(tx, a.id);
      const text = `Attached file ${about}:\n${render(passages)}`;
      return {
        cost: this.countTokens(text),
        parts: [{ type: 'text', text }],
        sent: { id: a.id, sent: 'whole' },
        sources: [{ source_id: a.id, media_type: a.media_type, title: a.filename, filename: a.filename, page: null }],
      };
    }
    let found = await this.attachments.searchPassages(tx, a.id, searchTerms(question), 200);
    let heading = `Passages of ${about} that match the question (the file is too long to give whole):`;
    if (found.length === 0) {
      found = (await this.attachments.passages(tx, a.id)).slice(0, 200);
      heading = `The beginning of ${about} (the file is too long to give whole, and no passage matched the question):`;
    }
    const chosen: FoundPassage[] = [];
    let tokens = 0;
    for (const p of found) {
      if (tokens + p.tokens > cap) continue;
      chosen.push(p);
      tokens += p.tokens;
    }
    chosen.sort((x, y) => x.seq - y.seq);
    const text = `${heading}\n${render(chosen)}`;
    const pages = [...new Set(chosen.map((p) => p.page).filter((p): p is number => p !== null))];
    return {
      cost: this.countTokens(text),
      parts: [{ type: 'text', text }],
      sent: { id: a.id, sent: 'passages', ...(pages.length ? { pages } : {}) },
      sources: pages.length
        ? pages.map((page) => ({
            source_id: `${a.id}:p${page}`,
            media_type: a.media_type,
            title: `${a.filename}, page ${page}`,
            filename: a.filename,
            page,
          }))
        : [{ source_id: a.id, media_type: a.media_type, title: a.filename, filename: a.filename, page: null }],
    };
  }

  private async imageUrl(tx: Queryable, a: MessageAttachmentDto): Promise<string> {
    const row = await this.attachments.find(tx, a.id);
    if (!row) throw new Error(`attachment ${a.id} of a stored message is gone`);
    if (this.config.attachments.imageInput === 'signed-url') {
      const url = await this.store.signedUrl(row.storage_key, row.media_type, SIGNED_URL_SECONDS);
      if (url) return url;
    }
    const bytes = await readAll(await this.store.get(row.storage_key));
    return `data:${row.media_type};base64,${Buffer.from(bytes).toString('base64')}`;
  }
}

/** Passages as the model reads them: each page's start marked. */
function render(passages: FoundPassage[]): string {
  let page: number | null = null;
  const out: string[] = [];
  for (const p of passages) {
    if (p.page !== null && p.page !== page) out.push(`[page ${p.page}]`);
    page = p.page;
    out.push(p.content);
  }
  return out.join('\n');
}
