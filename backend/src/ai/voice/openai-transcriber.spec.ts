import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { defaultTranscript, eventually, type OpenAIUpstream, startOpenAIUpstream } from '@pulse/testkit';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { Readable } from 'node:stream';
import { AppError } from '../../common/app-error.js';
import { OpenAiTranscriber } from './openai-transcriber.js';

const audio = Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7) % 256));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const file = { filename: 'voice-message.webm', mediaType: 'audio/webm', bytes: audio.length };

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('OpenAiTranscriber against the OpenAI stub', () => {
  let upstream: OpenAIUpstream;
  let transcriber: OpenAiTranscriber;
  let warn: jest.SpiedFunction<Logger['warn']>;

  beforeAll(async () => {
    upstream = await startOpenAIUpstream({ apiKey: 'sk-voice' });
    transcriber = new OpenAiTranscriber({
      baseUrl: `${upstream.url}/`,
      apiKey: 'sk-voice',
      model: 'whisper-test',
      // Longer than eventually's wait: a request seen aborted was aborted by the caller, not the clock.
      timeoutMs: 60_000,
    });
  });
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    upstream.reset();
    jest.restoreAllMocks();
  });
  afterAll(() => upstream.close());

  it('sends the file, the model and the key, and returns the transcript with its duration', async () => {
    const transcript = await transcriber.transcribe(audio, file);

    expect(transcript).toEqual({ text: defaultTranscript('voice-message.webm', 4000), durationSeconds: 1 });
    expect(upstream.transcriptions).toHaveLength(1);
    const [sent] = upstream.transcriptions;
    expect(sent.model).toBe('whisper-test');
    expect(sent.fields).toEqual({ model: 'whisper-test', response_format: 'json' });
    expect(sent.file).toEqual({ name: 'voice-message.webm', type: 'audio/webm', size: 4000, sha256: sha256(audio) });
    expect(sent.headers.authorization).toBe('Bearer sk-voice');
  });

  it('reads a stream to its end and trims the transcript', async () => {
    upstream.enqueueTranscription({ kind: 'text', text: '  What does the blue one cost?\n' });
    const chunks = [audio.subarray(0, 1000), audio.subarray(1000, 2500), audio.subarray(2500)];

    const transcript = await transcriber.transcribe(Readable.from(chunks), file);

    expect(transcript.text).toBe('What does the blue one cost?');
    expect(upstream.transcriptions[0].file).toMatchObject({ size: 4000, sha256: sha256(audio) });
  });

  it('hands the upload stream’s own failure back unchanged, and asks the server nothing', async () => {
    const tooLarge = new AppError('ATTACHMENT_TOO_LARGE', 'The file is larger than 20 MB.');
    // Some audio, then the refusal the upload's size check would raise on the next read.
    let reads = 0;
    const upload = new Readable({
      read() {
        reads += 1;
        if (reads === 1) this.push(audio.subarray(0, 100));
        else this.destroy(tooLarge);
      },
    });

    await expect(transcriber.transcribe(upload, file)).rejects.toBe(tooLarge);
    expect(upstream.transcriptions).toHaveLength(0);
  });

  it('gives a name OpenAI refuses (.opus, no extension) the extension of its media type', async () => {
    await transcriber.transcribe(audio, { ...file, filename: 'recording.opus', mediaType: 'audio/ogg' });
    await transcriber.transcribe(audio, { ...file, filename: 'blob' });

    expect(upstream.transcriptions.map((t) => t.file?.name)).toEqual(['recording.opus.ogg', 'blob.webm']);
  });

  it('sends no Authorization header without a key', async () => {
    const open = await startOpenAIUpstream();
    try {
      const keyless = new OpenAiTranscriber({ baseUrl: open.url, model: 'whisper-1', timeoutMs: 5000 });
      await keyless.transcribe(audio, file);
      expect(open.transcriptions[0].headers.authorization).toBeUndefined();
    } finally {
      await open.close();
    }
  });

  it('an upstream 500 is TRANSCRIPTION_FAILED; the upstream words go to the log only', async () => {
    upstream.enqueueTranscription({ kind: 'error', status: 500, message: 'GPU node 7 fell over (secret-ish detail)' });

    const error = await failure(transcriber.transcribe(audio, file));

    expect(error.code).toBe('TRANSCRIPTION_FAILED');
    expect(error.status).toBe(502);
    expect(error.message).toBe(
      'The voice message could not be transcribed: the transcription service answered HTTP 500.',
    );
    expect(error.message).not.toContain('GPU');
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('GPU node 7 fell over'));
  });

  it('a wrong key (401) and an answer without text are TRANSCRIPTION_FAILED', async () => {
    const wrongKey = new OpenAiTranscriber({ baseUrl: upstream.url, apiKey: 'sk-wrong', model: 'm', timeoutMs: 5000 });
    const denied = await failure(wrongKey.transcribe(audio, file));
    expect(denied.code).toBe('TRANSCRIPTION_FAILED');
    expect(denied.message).toContain('HTTP 401');
    expect(denied.message).not.toContain('Incorrect API key');

    upstream.enqueueTranscription({ kind: 'garbage' });
    const garbage = await failure(transcriber.transcribe(audio, file));
    expect(garbage.code).toBe('TRANSCRIPTION_FAILED');
    expect(garbage.message).toContain('could not read');
  });

  it('a server that does not answer in time is TRANSCRIPTION_FAILED, and its request is aborted', async () => {
    const impatient = new OpenAiTranscriber({ baseUrl: upstream.url, apiKey: 'sk-voice', model: 'm', timeoutMs: 300 });
    upstream.enqueueTranscription({ kind: 'hang' });
    const started = Date.now();

    const error = await failure(impatient.transcribe(audio, file));

    expect(error.code).toBe('TRANSCRIPTION_FAILED');
    expect(error.message).toContain('did not answer within 0.3 s');
    expect(Date.now() - started).toBeLessThan(3000);
    await eventually('the hung request was aborted', () => upstream.transcriptions[0]?.aborted);
  });

  it('the caller giving up aborts the request', async () => {
    upstream.enqueueTranscription({ kind: 'hang' });
    const controller = new AbortController();
    const pending = failure(transcriber.transcribe(audio, file, controller.signal));
    await eventually('the request reached the server', () => upstream.transcriptions.length === 1);

    controller.abort();

    expect((await pending).message).toContain('cancelled');
    await eventually('the request was aborted', () => upstream.transcriptions[0].aborted);
  });

  it('an unreachable server is TRANSCRIPTION_FAILED', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const nowhere = new OpenAiTranscriber({ baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm', timeoutMs: 5000 });

    const error = await failure(nowhere.transcribe(audio, file));

    expect(error.code).toBe('TRANSCRIPTION_FAILED');
    expect(error.message).toContain('could not be reached');
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('ECONNREFUSED'));
  });
});
