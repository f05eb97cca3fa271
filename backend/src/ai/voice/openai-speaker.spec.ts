import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { eventually, type OpenAIUpstream, silentMp3, startOpenAIUpstream } from '@pulse/testkit';
import type { Readable } from 'node:stream';
import { AppError } from '../../common/app-error.js';
import { OpenAiSpeaker, SPEECH_MAX_INPUT_CHARS, speechPieces } from './openai-speaker.js';

const options = { apiKey: 'sk-voice', model: 'tts-test', voice: 'nova', timeoutMs: 5000 };

async function readAll(audio: Readable): Promise<{ bytes: Buffer; reads: number }> {
  const chunks: Buffer[] = [];
  for await (const chunk of audio) chunks.push(chunk as Buffer);
  return { bytes: Buffer.concat(chunks), reads: chunks.length };
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('OpenAiSpeaker against the OpenAI stub', () => {
  let upstream: OpenAIUpstream;
  let speaker: OpenAiSpeaker;
  let warn: jest.SpiedFunction<Logger['warn']>;

  beforeAll(async () => {
    upstream = await startOpenAIUpstream({ apiKey: 'sk-voice' });
    speaker = new OpenAiSpeaker({ ...options, baseUrl: upstream.url });
  });
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    upstream.reset();
    jest.restoreAllMocks();
  });
  afterAll(() => upstream.close());

  it('streams the MP3 back as audio/mpeg and asks with the model, voice, format and key', async () => {
    upstream.enqueueSpeech({ kind: 'audio', frames: 16, chunkFrames: 4, chunkDelayMs: 5 });

    const speech = await speaker.speak('The blue one costs 20 euros.');
    const { bytes, reads } = await readAll(speech.audio);

    expect(speech.mediaType).toBe('audio/mpeg');
    expect(bytes.equals(silentMp3(16))).toBe(true);
    expect(reads).toBeGreaterThan(1);
    expect(upstream.speeches).toHaveLength(1);
    expect(upstream.speeches[0].body).toEqual({
      model: 'tts-test',
      input: 'The blue one costs 20 euros.',
      voice: 'nova',
      response_format: 'mp3',
    });
    expect(upstream.speeches[0].headers.authorization).toBe('Bearer sk-voice');
  });

  it('hands on the first audio before the server has sent the rest, and stops the request when no longer read', async () => {
    // The second chunk would come 30 s later: the first one has to arrive on its own.
    upstream.enqueueSpeech({ kind: 'audio', frames: 8, chunkFrames: 4, chunkDelayMs: 30_000 });
    // A timeout longer than eventually's: only the consumer leaving can end this request in time.
    const patient = new OpenAiSpeaker({ ...options, baseUrl: upstream.url, timeoutMs: 60_000 });
    const speech = await patient.speak('A long answer.');

    const first = (await speech.audio[Symbol.asyncIterator]().next()).value as Buffer;
    expect(first.equals(silentMp3(4))).toBe(true);
    speech.audio.destroy();

    await eventually('the speech request was aborted', () => upstream.speeches[0].aborted);
  });

  it('reads a text longer than one request allows in pieces, one after the other, as one MP3', async () => {
    const sentence = 'This sentence is part of a very long answer. ';
    const text = sentence.repeat(200).trim();
    upstream.enqueueSpeech({ kind: 'audio', frames: 3 });
    upstream.enqueueSpeech({ kind: 'audio', frames: 5 });
    upstream.enqueueSpeech({ kind: 'audio', frames: 7 });

    const { bytes } = await readAll((await speaker.speak(text)).audio);

    const inputs = upstream.speeches.map((s) => s.body.input);
    expect(inputs).toHaveLength(3);
    expect(inputs.join('')).toBe(text);
    expect(inputs.every((input) => input.length <= SPEECH_MAX_INPUT_CHARS)).toBe(true);
    expect(inputs[0].endsWith('answer. ')).toBe(true);
    expect(bytes.equals(silentMp3(15))).toBe(true);
  });

  it('an upstream error before any audio rejects with UPSTREAM_ERROR; its words go to the log only', async () => {
    upstream.enqueueSpeech({ kind: 'error', status: 500, message: 'voice model crashed on node 3' });

    const error = await failure(speaker.speak('Hello.'));

    expect(error.code).toBe('UPSTREAM_ERROR');
    expect(error.message).toBe('The speech service answered HTTP 500.');
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('voice model crashed on node 3'));
  });

  it('a silent server is UPSTREAM_TIMEOUT', async () => {
    const impatient = new OpenAiSpeaker({ ...options, baseUrl: upstream.url, timeoutMs: 300 });
    upstream.enqueueSpeech({ kind: 'hang' });

    const error = await failure(impatient.speak('Hello.'));

    expect(error.code).toBe('UPSTREAM_TIMEOUT');
    expect(error.message).toBe('The speech service did not answer within 0.3 s.');
    await eventually('the hung request was aborted', () => upstream.speeches[0].aborted);
  });

  it('a stream that breaks off errors the audio with UPSTREAM_ERROR', async () => {
    upstream.enqueueSpeech({ kind: 'cut', afterChunks: 1, frames: 12, chunkFrames: 4 });
    const speech = await speaker.speak('Hello.');

    const error = await failure(readAll(speech.audio));

    expect(error.code).toBe('UPSTREAM_ERROR');
    expect(error.message).toContain('stopped sending audio');
  });

  it('is disabled without SPEECH_MODEL or without a server, and then refuses with SPEECH_NOT_CONFIGURED', async () => {
    const withoutModel = new OpenAiSpeaker({ ...options, baseUrl: upstream.url, model: undefined });
    const withoutServer = new OpenAiSpeaker({ ...options, baseUrl: undefined });

    for (const speaker of [withoutModel, withoutServer]) {
      expect(speaker.enabled).toBe(false);
      const error = await failure(speaker.speak('Hello.'));
      expect(error.code).toBe('SPEECH_NOT_CONFIGURED');
      expect(error.status).toBe(404);
    }
    expect(upstream.speeches).toHaveLength(0);
    expect(speaker.enabled).toBe(true);
  });
});

describe('speechPieces', () => {
  it('keeps a short text whole', () => {
    expect(speechPieces('Hello there.', 100)).toEqual(['Hello there.']);
  });

  it('cuts after the last sentence end in the second half, else at a space, else anywhere', () => {
    expect(speechPieces('One two three. Four five six seven.', 20)).toEqual([
      'One two three. ',
      'Four five six seven.',
    ]);
    expect(speechPieces('aaaa bbbb cccc dddd eeee', 12)).toEqual(['aaaa bbbb ', 'cccc dddd ', 'eeee']);
    expect(speechPieces('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });
});
