import type { SessionDto } from '../sessions/dto/session.dto.js';
import type { Turn } from '../memory/context-budget.js';
import type { StoredToolCall } from '../tools/tool-calls.js';

/** A send that branches: a new version of a question (edit), or a new answer to one (regenerate). */
export interface BranchTarget {
  kind: 'edit' | 'regenerate';
  /** The user message edited, or the assistant message regenerated. */
  messageId: string;
}

/** How a send was asked for, besides its body. */
export interface SendOptions {
  idempotencyKey?: string;
  target?: BranchTarget;
}

/** What the client learns once the user's message is safely stored, before any of the answer. */
export interface PreparedSend {
  session_id: string;
  title: string;
  created_session: boolean;
  user_message_id: string;
  assistant_message_id: string;
}

/** A stored question: where it is, and the memory window the model answers it from. */
export interface StoredQuestion {
  session: Pick<SessionDto, 'id' | 'title' | 'system_prompt'>;
  userMessageId: string;
  /** The question's branch up to and including it, oldest first (at most MAX_CONTEXT_MESSAGES + 1). */
  window: Turn[];
  created: boolean;
  /** The leaf the answer replaces as the tip of the active branch (unless the user chose another meanwhile). */
  leaf: string | null;
}

/**
 * An answer whose tools' results are all in: what the model continues it from (the answer's id and
 * text so far, its calls with their results, the question's window and the send's settings).
 */
export interface Continuation {
  session: Pick<SessionDto, 'id' | 'title' | 'system_prompt'>;
  questionId: string;
  messageId: string;
  /** The question's branch up to and including it, oldest first. */
  window: Turn[];
  /** The answer's text so far, and its metadata as stored. */
  text: string;
  metadata: Record<string, unknown>;
  calls: StoredToolCall[];
  /** The round whose results came in. */
  round: number;
}
