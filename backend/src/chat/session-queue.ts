/**
 * Runs sends to one session one after another within this process, so two sends at
 * once are stored as question, answer, question, answer, and the second answer sees
 * the first. Across processes, positions (seq) still come from the session's row lock.
 */
export class SessionQueue {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(sessionId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(sessionId) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(sessionId, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(sessionId) === tail) this.tails.delete(sessionId);
    }
  }
}
