import type { BufferedEvent, UiPart } from './live-answers.js';

/** A text delta as UiMessageStream writes it, nothing else in it: rebuilt from its text alone. */
const isPlainDelta = (part: UiPart): part is UiPart & { id: unknown; delta: string } =>
  part.type === 'text-delta' && typeof part.delta === 'string' && 'id' in part && Object.keys(part).length === 3;

/**
 * One answer's buffered events, kept small. A streamed answer is mostly text deltas (one per
 * model chunk, hundreds in a long answer), and one process keeps each answer's events
 * STREAM_RESUME_SECONDS after it ends. As objects they took 130-190 bytes each; here a delta is
 * its text and where it ends, and once the answer has ended the texts are one string. Ids are a
 * first id and a count while they run consecutively (as one stream numbers them). The few other
 * parts are kept as they came. Reading an event back gives the part that was appended.
 */
export class EventLog {
  private firstId = 0;
  /** Every id, only once they stopped being consecutive. */
  private ids: number[] | undefined;
  /** The events that are not plain deltas, and their places (ascending). */
  private readonly parts: UiPart[] = [];
  private readonly partIndexes: number[] = [];
  /** Each delta's text while the answer runs; joined into `text` by `seal`. */
  private deltas: string[] | undefined = [];
  private text = '';
  /** Where each delta's text ends in `text`, from `seal` on. */
  private ends = new Uint32Array(0);
  /** The text part's id, shared by an answer's deltas; a delta naming another one is kept as a part. */
  private textId: unknown;

  get length(): number {
    return this.parts.length + (this.deltas?.length ?? this.ends.length);
  }

  push(id: number, part: UiPart): void {
    const index = this.length;
    this.recordId(id, index);
    if (this.deltas && isPlainDelta(part) && (this.deltas.length === 0 || part.id === this.textId)) {
      this.textId = part.id;
      this.deltas.push(part.delta);
      return;
    }
    this.parts.push(part);
    this.partIndexes.push(index);
  }

  at(index: number): BufferedEvent {
    const id = this.ids ? this.ids[index] : this.firstId + index;
    const before = this.partsBefore(index);
    if (this.partIndexes[before] === index) return { id, part: this.parts[before] };
    const delta = index - before;
    const text = this.deltas
      ? this.deltas[delta]
      : this.text.slice(delta > 0 ? this.ends[delta - 1] : 0, this.ends[delta]);
    return { id, part: { type: 'text-delta', id: this.textId, delta: text } };
  }

  /** The place of the first event with an id above `id` (the length when there is none). */
  indexAfter(id: number): number {
    if (this.ids) {
      const index = this.ids.findIndex((e) => e > id);
      return index < 0 ? this.length : index;
    }
    return Math.min(Math.max(Math.floor(id) - this.firstId + 1, 0), this.length);
  }

  all(): BufferedEvent[] {
    return Array.from({ length: this.length }, (_, index) => this.at(index));
  }

  /**
   * The answer ended: its delta texts become one flat string (`join` copies them), with where
   * each ends. Events after this (a lost answer's closing ones) are parts.
   */
  seal(): void {
    if (!this.deltas) return;
    this.ends = new Uint32Array(this.deltas.length);
    let end = 0;
    for (const [i, delta] of this.deltas.entries()) this.ends[i] = end += delta.length;
    this.text = this.deltas.join('');
    this.deltas = undefined;
  }

  /** `index`: the place the event takes, which is how many came before it. */
  private recordId(id: number, index: number): void {
    if (index === 0) this.firstId = id;
    else if (!this.ids && id !== this.firstId + index) {
      this.ids = Array.from({ length: index }, (_, i) => this.firstId + i);
    }
    this.ids?.push(id);
  }

  /** How many parts stand before `index` (binary search: an answer may have many). */
  private partsBefore(index: number): number {
    let low = 0;
    let high = this.partIndexes.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.partIndexes[mid] < index) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
