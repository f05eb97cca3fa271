import { EventLog } from './event-log.js';
import type { BufferedEvent } from './live-answers.js';

/** An answer as UiMessageStream writes it: ids 1, 2, 3… from `firstId`. */
function answerEvents(deltas: string[], firstId = 1): BufferedEvent[] {
  const parts = [
    { type: 'start', messageId: 'm1' },
    { type: 'data-session', data: { session_id: 's1', title: 'T', created_session: false, user_message_id: 'u1' } },
    { type: 'text-start', id: 'text-m1' },
    ...deltas.map((delta) => ({ type: 'text-delta', id: 'text-m1', delta })),
    { type: 'text-end', id: 'text-m1' },
    { type: 'finish', finishReason: 'stop' },
  ];
  return parts.map((part, index) => ({ id: firstId + index, part }));
}

const logOf = (events: BufferedEvent[]) => {
  const log = new EventLog();
  for (const { id, part } of events) log.push(id, part);
  return log;
};

/** What a client receives: the SSE text of each event. */
const wire = (events: BufferedEvent[]) => events.map(({ id, part }) => `id: ${id}\ndata: ${JSON.stringify(part)}\n\n`);

describe('EventLog', () => {
  const deltas = ['Hello', ' wörld', '', ' 🎉 emoji', ' \ud83d', ' end'];

  it('gives back every event as it was appended, while the answer runs and once it has ended', () => {
    const events = answerEvents(deltas);
    const log = logOf(events);
    expect(log.length).toBe(events.length);
    expect(log.all()).toEqual(events);
    expect(wire(log.all())).toEqual(wire(events));
    log.seal();
    expect(log.all()).toEqual(events);
    expect(wire(log.all())).toEqual(wire(events));
    expect(events.map((_, i) => log.at(i))).toEqual(events);
  });

  it('finds the events after a Last-Event-ID', () => {
    const events = answerEvents(deltas, 1);
    const log = logOf(events);
    log.seal();
    expect(log.indexAfter(0)).toBe(0);
    expect(log.indexAfter(4)).toBe(4);
    expect(log.at(log.indexAfter(4)).id).toBe(5);
    expect(log.indexAfter(events.length)).toBe(events.length);
    expect(log.indexAfter(10_000)).toBe(events.length);
  });

  it('keeps ids that are not consecutive', () => {
    const events = answerEvents(['a', 'b']).map((e, i) => ({ ...e, id: 10 + i * 3 }));
    const log = logOf(events);
    expect(log.all()).toEqual(events);
    expect(log.indexAfter(9)).toBe(0);
    expect(log.indexAfter(10)).toBe(1);
    expect(log.indexAfter(12)).toBe(1);
    expect(log.indexAfter(13)).toBe(2);
    expect(log.indexAfter(1000)).toBe(events.length);
  });

  it('keeps a delta with more in it, or of another text part, exactly as it came', () => {
    const events: BufferedEvent[] = [
      { id: 1, part: { type: 'text-delta', id: 't1', delta: 'a' } },
      { id: 2, part: { type: 'text-delta', id: 't1', delta: 'b', providerMetadata: { x: 1 } } },
      { id: 3, part: { type: 'text-delta', id: 't2', delta: 'c' } },
      { id: 4, part: { type: 'text-delta', delta: 'no id' } },
      { id: 5, part: { type: 'text-delta', id: 't1', delta: 'd' } },
    ];
    const log = logOf(events);
    log.seal();
    expect(log.all()).toEqual(events);
    expect(wire(log.all())).toEqual(wire(events));
  });

  it('takes events after the end (a lost answer closed by another replica), deltas included', () => {
    const events = answerEvents(['x', 'y']).slice(0, 5);
    const log = logOf(events);
    log.seal();
    const closing: BufferedEvent[] = [
      { id: 6, part: { type: 'text-delta', id: 'text-m1', delta: 'z' } },
      { id: 7, part: { type: 'text-end', id: 'text-m1' } },
      { id: 8, part: { type: 'error', errorText: 'lost' } },
    ];
    for (const { id, part } of closing) log.push(id, part);
    expect(log.all()).toEqual([...events, ...closing]);
    expect(log.indexAfter(5)).toBe(5);
  });

  it('is empty before anything is appended', () => {
    const log = new EventLog();
    expect(log.length).toBe(0);
    expect(log.all()).toEqual([]);
    expect(log.indexAfter(0)).toBe(0);
    log.seal();
    expect(log.all()).toEqual([]);
  });
});
