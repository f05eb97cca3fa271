import { SessionQueue } from './session-queue.js';

/** What the replicas know about a session when a send takes it. */
export interface SharedTurn {
  /**
   * The session's latest answer as the replicas share it (null: none known), or undefined when
   * this process is the only one answering (it saw every answer itself).
   */
  latestAnswerId?: string | null;
  /** A dead replica's answer in this session is waiting to be stored (before this turn's question). */
  lostAnswer: boolean;
}

/** A send's place in its session, taken in two steps: this process's queue, then the replicas' lock. */
export interface SessionTurn {
  /** Takes the session across replicas (one send at a time per session everywhere). */
  lock(): Promise<SharedTurn>;
  /** Lets the next send of the session in, here and on the other replicas. */
  release(): void;
}

/**
 * One send at a time per session. Within this process a queue keeps arrival order; across
 * replicas `lock` decides. The two steps are apart so a send can start work in between (its
 * guessed model call) while the lock's round trip is under way.
 */
export abstract class SessionTurns {
  private readonly queue = new SessionQueue();

  /** Resolves when it is this process's turn for the session. */
  async enter(sessionId: string): Promise<SessionTurn> {
    const leaveQueue = await this.queue.enter(sessionId);
    let unlock: (() => void) | undefined;
    return {
      lock: async () => {
        const { release, ...shared } = await this.lock(sessionId);
        unlock = release;
        return shared;
      },
      release: () => {
        unlock?.();
        leaveQueue();
      },
    };
  }

  /** Waits until no other replica holds the session. */
  protected abstract lock(sessionId: string): Promise<SharedTurn & { release: () => void }>;
}

/** One process (no REDIS_URL): its queue alone decides, and it saw every answer itself. */
export class LocalSessionTurns extends SessionTurns {
  protected async lock(): Promise<SharedTurn & { release: () => void }> {
    return { lostAnswer: false, release: () => undefined };
  }
}
