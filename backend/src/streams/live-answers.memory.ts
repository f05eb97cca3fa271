import { EventLog } from './event-log.js';
import {
  type AnswerMeta,
  type AnswerState,
  type BufferedEvent,
  type InFlightAnswer,
  isTerminal,
  LiveAnswers,
  type UiPart,
} from './live-answers.js';

interface Buffer {
  meta: AnswerMeta;
  events: EventLog;
  closed: boolean;
  wake: Set<() => void>;
}

/** One process (no REDIS_URL): buffers and stops live in this process's memory. */
export class MemoryLiveAnswers extends LiveAnswers {
  private readonly buffers = new Map<string, Buffer>();
  private readonly latestOf = new Map<string, string>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly keepMs: number) {
    super();
  }

  begin(meta: AnswerMeta, abort: AbortController): InFlightAnswer {
    const buffer: Buffer = { meta, events: new EventLog(), closed: false, wake: new Set() };
    const wake = () => {
      for (const w of buffer.wake) w();
    };
    this.buffers.set(meta.assistantId, buffer);
    this.latestOf.set(meta.sessionId, meta.assistantId);
    const answer: InFlightAnswer = {
      meta,
      append: (id: number, part: UiPart) => {
        buffer.events.push(id, part);
        wake();
      },
      end: async () => {
        buffer.closed = true;
        buffer.events.seal();
        wake();
        this.untrack(meta.assistantId);
        // Kept for late resumes, then forgotten.
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.buffers.delete(meta.assistantId);
          if (this.latestOf.get(meta.sessionId) === meta.assistantId) this.latestOf.delete(meta.sessionId);
        }, this.keepMs);
        timer.unref();
        this.timers.add(timer);
      },
    };
    this.track(answer, abort);
    return answer;
  }

  async latest(sessionId: string): Promise<AnswerState | undefined> {
    const id = this.latestOf.get(sessionId);
    const buffer = id ? this.buffers.get(id) : undefined;
    if (!buffer) return undefined;
    const count = buffer.events.length;
    const last = count > 0 ? buffer.events.at(count - 1) : undefined;
    return {
      meta: buffer.meta,
      ended: buffer.closed || (last !== undefined && isTerminal(last.part)),
      lost: false,
      lastId: last?.id ?? 0,
    };
  }

  async requestStop(meta: AnswerMeta): Promise<void> {
    this.abortLocalAnswer(meta.assistantId, 'stopped');
  }

  async *follow(assistantId: string, afterId: number, signal: AbortSignal): AsyncIterable<BufferedEvent> {
    const buffer = this.buffers.get(assistantId);
    if (!buffer) return;
    let next = buffer.events.indexAfter(afterId);
    for (;;) {
      while (next < buffer.events.length) {
        const event = buffer.events.at(next++);
        yield event;
        if (isTerminal(event.part)) return;
      }
      if (buffer.closed || signal.aborted) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          buffer.wake.delete(done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        buffer.wake.add(done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  async events(assistantId: string): Promise<BufferedEvent[]> {
    return this.buffers.get(assistantId)?.events.all() ?? [];
  }

  /** A single process that died took its memory with it: nothing to take over. */
  async claimLost(): Promise<AnswerMeta[]> {
    return [];
  }

  async appendClosing(assistantId: string, events: BufferedEvent[]): Promise<void> {
    const buffer = this.buffers.get(assistantId);
    for (const { id, part } of events) buffer?.events.push(id, part);
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
