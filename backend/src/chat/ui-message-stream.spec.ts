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
  return { res: res as unknown as Response, types };
}

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
    await stream.finish({
      session_id: 's1',
      assistant_message_id: 'a1',
      finish_reason: 'stop',
      interrupted: false,
    } as Parameters<UiMessageStream['finish']>[0]);
    expect(types()).toEqual([
      'start',
      'data-session',
      'text-start',
      'text-delta',
      'text-delta',
      'text-end',
      'data-message',
      'finish',
    ]);
  });
});
