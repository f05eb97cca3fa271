import type { AiProvider, AiRequest, AiStreamEvent } from '../ai/ai-provider.js';

/**
 * A model call started while its question's COMMIT is still in flight, so the commit's round
 * trip and WAL flush overlap the model's own wait instead of adding to it. The call is under way
 * at once (its first event is being fetched), but nothing of it reaches anyone before
 * `events()` is read, which the send path does only once the commit succeeded: no answer is
 * ever shown for a question that was not stored. `cancel()` ends it when the commit failed.
 */
export class EarlyModelCall {
  /** When the model was asked: the start of the stored answer's latency and ttft. */
  readonly startedAt = performance.now();
  private readonly abort = new AbortController();
  private iterator?: AsyncIterator<AiStreamEvent>;
  private readonly first: Promise<IteratorResult<AiStreamEvent>>;
  /**
   * Settles once the provider was asked for the first event, so its request is on its way (or the
   * call failed before that). Never rejects.
   */
  readonly asked: Promise<void>;

  /** `request` may still be in the making (a read on another connection): the call starts once it is. */
  constructor(
    ai: AiProvider,
    request: Omit<AiRequest, 'signal'> | Promise<Omit<AiRequest, 'signal'>>,
    signal: AbortSignal,
  ) {
    const stop = AbortSignal.any([signal, this.abort.signal]);
    let asked!: () => void;
    this.asked = new Promise((resolve) => (asked = resolve));
    this.first = Promise.resolve(request).then((made) => {
      stop.throwIfAborted();
      this.iterator = ai.stream({ ...made, signal: stop })[Symbol.asyncIterator]();
      // Asking for the first event is what starts a provider's generator, and with it the request.
      const next = this.iterator.next();
      asked();
      return next;
    });
    // Read by events() or dropped by cancel(); never an unhandled rejection while the commit runs.
    void this.first.catch(() => undefined).finally(asked);
  }

  /** Every event of the call, the first one included; read it only after the commit succeeded. */
  async *events(): AsyncGenerator<AiStreamEvent> {
    try {
      for (let next = await this.first; !next.done; next = await this.iterator!.next()) yield next.value;
    } finally {
      // What for-await does when its loop ends early: the provider hangs up on the upstream.
      await this.iterator?.return?.();
    }
  }

  /** The commit failed: aborts the call and waits until the provider let go of the upstream. */
  async cancel(): Promise<void> {
    this.abort.abort();
    await this.first.catch(() => undefined);
    // Letting go of an aborted upstream may itself fail (the aborted body); the commit's error is
    // the one the caller reports, so nothing from here may replace it.
    await Promise.resolve(this.iterator?.return?.()).catch(() => undefined);
  }
}
