/** A turn of a memory window (its id is unknown only for a question not yet stored). */
export interface KnownTurn {
  id?: string;
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** What this process stored last in a session: where its next question goes, and the memory up to there. */
export interface KnownWindow {
  /** Whose session it is: only the owner's sends may be guessed from it (the model must never see another user's history). */
  userId: string;
  /** The answer stored last: the next question goes under it. */
  leafId: string;
  systemPrompt: string | null;
  /** The turns up to and including that answer, oldest first (at most MAX_CONTEXT_MESSAGES). */
  turns: KnownTurn[];
}

/**
 * The sessions' memory windows as this process last stored them, so a send can ask the model
 * while its question is still on the way to the database. Only ever a guess: the send checks it
 * against the window the question's statement reads and asks again when they differ. Bounded by
 * the characters it holds; the sessions stored least recently go first. Whatever changes a session
 * other than a send (a branch chosen, a new system prompt, clearing, deleting) forgets it here.
 */
export class KnownWindows {
  private readonly bySession = new Map<string, { window: KnownWindow; chars: number }>();
  private chars = 0;
  private announce?: (sessionId: string) => void;

  constructor(private readonly maxChars = 4_000_000) {}

  /**
   * Tells the other replicas, through `announce`, of every session this one changed (an answer
   * stored, a branch chosen, a session edited or removed), so each forgets its own window of it
   * (`forgetAnnounced`). Their next send there then asks the model only once the window is read.
   */
  announceTo(announce: (sessionId: string) => void): void {
    this.announce = announce;
  }

  /**
   * The session's window for a send of its owner, removed: a send guesses from it once and stores
   * a new one only if its answer is stored. Another user's send gets nothing and leaves it be.
   */
  take(sessionId: string, userId: string): KnownWindow | undefined {
    const entry = this.bySession.get(sessionId);
    if (entry?.window.userId !== userId) return undefined;
    this.drop(sessionId);
    return entry.window;
  }

  /**
   * Stored last, so evicted last: Map keeps insertion order. Announced to the other replicas
   * unless the answer extends the window this one remembered (`announce: false`): then none of
   * them holds a window of the session (they forgot it when this one stored it).
   */
  remember(sessionId: string, window: KnownWindow, { announce = true } = {}): void {
    this.drop(sessionId);
    if (announce) this.announce?.(sessionId);
    const chars = window.turns.reduce((sum, turn) => sum + turn.content.length, 0);
    // One session's long messages must not push out everyone else's.
    if (chars > this.maxChars / 16) return;
    this.bySession.set(sessionId, { window, chars });
    this.chars += chars;
    for (const [oldest, entry] of this.bySession) {
      if (this.chars <= this.maxChars) break;
      this.bySession.delete(oldest);
      this.chars -= entry.chars;
    }
  }

  /** This replica changed the session other than by a send: its window is gone here and on the others. */
  forget(sessionId: string): void {
    this.drop(sessionId);
    this.announce?.(sessionId);
  }

  /** Another replica changed the session. */
  forgetAnnounced(sessionId: string): void {
    this.drop(sessionId);
  }

  private drop(sessionId: string): void {
    const entry = this.bySession.get(sessionId);
    if (!entry) return;
    this.bySession.delete(sessionId);
    this.chars -= entry.chars;
  }

  get size(): number {
    return this.bySession.size;
  }
}

/** Whether a guessed window is the stored one: the same turns, in order, and the same system prompt. */
export function sameWindow(
  a: { systemPrompt: string | null; turns: KnownTurn[] },
  b: { systemPrompt: string | null; turns: KnownTurn[] },
): boolean {
  return (
    a.systemPrompt === b.systemPrompt &&
    a.turns.length === b.turns.length &&
    a.turns.every((t, i) => t.id === b.turns[i].id && t.role === b.turns[i].role && t.content === b.turns[i].content)
  );
}
