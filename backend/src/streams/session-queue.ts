/**
 * Lets sends to one session in one after another within this process, so two sends at once
 * are stored as question, answer, question, answer, and the second answer sees the first.
 * Across processes, SessionTurns adds the replicas' lock.
 */
export class SessionQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /** Resolves when it is this caller's turn in the session; call the returned function to let the next in. */
  async enter(sessionId: string): Promise<() => void> {
    const previous = this.tails.get(sessionId) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(sessionId, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(sessionId) === tail) this.tails.delete(sessionId);
    };
  }
}
