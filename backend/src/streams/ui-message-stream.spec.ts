import type { Response } from 'express';
import { UiMessageStream } from './ui-message-stream.js';

/** Just enough of express's Response to collect what the stream writes. */
function fakeResponse() {
  const chunks: string[] = [];
  const res = {
    headersSent: false,
    writableEnded: false,
    destroyed: false,
    socket: null,
    status: () => res,
    setHeader: () => res,
    flushHeaders: () => void (res.headersSent = true),
    write: (chunk: string) => void chunks.push(chunk),
    end: (chunk: string) => {
      chunks.push(chunk);
      res.writableEnded = true;
    },
  };
  const types = () =>
    chunks
      .flatMap((c) => [...c.matchAll(/^data: (\{.*\})$/gm)])
      .map((m) => (JSON.parse(m[1]!) as { type: string }).type);
  /** The parts of each write, in order: one inner array per socket write. */
  const writes = () => chunks.map((c) => [...c.matchAll(/^data: (.*)$/gm)].map((m) => m[1]!));
  return { res: res as unknown as Response, types, writes };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const finished: Parameters<UiMessageStream['finish']>[0] = {
  assistant_message_id: 'a1',
  finish_reason: 'stop',
  interrupted: false,
  usage: null,
  provider: 'openai',
  model: 'test-model',
  replayed: false,
};
/** The parts of an answer of two deltas that finishes, in order. */
const TWO_DELTA_ANSWER = [
  'start',
  'data-session',
  'text-start',
  'text-delta',
  'text-delta',
  'text-end',
  'data-message',
  'finish',
];
const deltaOf = (data: string) => (JSON.parse(data) as { delta?: string }).delta;

const prepared = {
  session_id: 's1',
  title: 'Hi',
  created_session: true,
  user_message_id: 'u1',
  assistant_message_id: 'a1',
};
const failure = { statusCode: 502, code: 'UPSTREAM_ERROR' as const, message: 'The model failed', requestId: 'r1' };

describe('UiMessageStream', () => {
  it('sends no text part when the answer fails before its first word', async () => {
    const { res, types } = fakeResponse();
    const stream = new UiMessageStream(res, 60_000);
    stream.begin(prepared);
    await stream.fail(failure);
    expect(types()).toEqual(['start', 'data-session', 'data-error', 'error']);
  });

  it('closes the text it opened when the answer fails after some words', async () => {
    const { res, types } = fakeResponse();
    const stream = new UiMessageStream(res, 60_000);
    stream.begin(prepared);
    stream.delta('Half an ');
    stream.delta('answer');
    await stream.fail(failure);
    expect(types()).toEqual([
      'start',
      'data-session',
      'text-start',
      'text-delta',
      'text-delta',
      'text-end',
      'data-error',
      'error',
    ]);
  });

  it('opens the text once, with the first delta, for an answer that finishes', async () => {
    const { res, types } = fakeResponse();
    const stream = new UiMessageStream(res, 60_000);
    stream.begin(prepared);
    stream.delta('Hello');
    stream.delta('!');
    await stream.finish(finished);
    expect(types()).toEqual(TWO_DELTA_ANSWER);
  });

  describe('batching writes', () => {
    it('writes the first delta at once and gathers the ones after it into the next write', async () => {
      const { res, writes } = fakeResponse();
      const stream = new UiMessageStream(res, 60_000, 10_000);
      stream.begin(prepared);
      await nextTurn();
      expect(writes()).toHaveLength(1); // headers, start and data-session together

      stream.delta('first');
      await nextTurn();
      expect(writes()).toHaveLength(2);
      expect(writes()[1]!.map(deltaOf)).toEqual([undefined, 'first']); // text-start, then the token

      stream.delta(' second');
      stream.delta(' third');
      await nextTurn();
      expect(writes()).toHaveLength(2); // within flushMs of the last write: they wait

      await stream.finish(finished);
      expect(writes()).toHaveLength(3);
      const last = writes()[2]!;
      expect(last.slice(0, 2).map(deltaOf)).toEqual([' second', ' third']);
      expect(last.at(-1)).toBe('[DONE]');
    });

    it('brings waiting deltas forward, in order, when another event is written', async () => {
      const { res, writes } = fakeResponse();
      const stream = new UiMessageStream(res, 60_000, 10_000);
      stream.begin(prepared);
      stream.delta('a');
      await nextTurn();
      stream.delta('b');
      stream.writeEvent(99, { type: 'data-note' });
      await nextTurn();
      expect(writes()).toHaveLength(2);
      // The first write held start, data-session, text-start and `a`; the second `b`, then the note.
      expect(writes()[1]!.map((d) => (JSON.parse(d) as { type: string; delta?: string }).delta ?? d)).toEqual([
        'b',
        '{"type":"data-note"}',
      ]);
      stream.dispose();
    });

    it('sends the waiting deltas once flushMs has passed, without another event', async () => {
      const { res, writes } = fakeResponse();
      const stream = new UiMessageStream(res, 60_000, 20);
      stream.begin(prepared);
      stream.delta('a');
      await nextTurn();
      stream.delta('b');
      const written = writes().length;
      // Nothing else is written: the waiting delta must leave on its own, on the next tick of the clock.
      await new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          if (writes().length > written) resolve(clearInterval(poll));
        }, 5);
      });
      expect(writes().at(-1)!.map(deltaOf)).toEqual(['b']);
      stream.dispose();
    });

    it('writes every delta on its own with flushMs 0', async () => {
      const { res, writes } = fakeResponse();
      const stream = new UiMessageStream(res, 60_000, 0);
      stream.begin(prepared);
      await nextTurn();
      for (const word of ['a', 'b', 'c']) {
        stream.delta(word);
        await nextTurn();
      }
      expect(
        writes()
          .slice(1)
          .map((w) => w.map(deltaOf).filter(Boolean)),
      ).toEqual([['a'], ['b'], ['c']]);
      stream.dispose();
    });

    it('hands a batch to the resume buffer in one turn, and writes it once the buffer holds it', async () => {
      const { res, writes } = fakeResponse();
      const stream = new UiMessageStream(res, 60_000, 10_000);
      const seen: number[] = [];
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      stream.begin(prepared, {
        append: (id) => {
          seen.push(id);
          return held;
        },
      });
      stream.delta('a');
      await nextTurn();
      expect(seen).toEqual([1, 2, 3, 4]); // start, data-session, text-start, the delta
      expect(writes()).toHaveLength(0);
      release();
      await held;
      await nextTurn();
      expect(writes()).toHaveLength(1);
      stream.dispose();
    });

    it('still buffers every event for resume after the client went away', async () => {
      const { res, writes } = fakeResponse();
      const stream = new UiMessageStream(res, 60_000, 10_000);
      const seen: string[] = [];
      stream.begin(prepared, { append: (_id, part) => void seen.push(part.type) });
      (res as unknown as { destroyed: boolean }).destroyed = true;
      stream.delta('a');
      stream.delta('b');
      await stream.finish(finished);
      expect(seen).toEqual(TWO_DELTA_ANSWER);
      expect(writes()).toHaveLength(0);
    });
  });
});
