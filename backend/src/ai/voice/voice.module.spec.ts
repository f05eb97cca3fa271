import { jest } from '@jest/globals';
import { Global, Logger, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Readable } from 'node:stream';
import { AppError } from '../../common/app-error.js';
import { AppConfig } from '../../config/app-config.js';
import { DEMO_TRANSCRIPT, DemoTranscriber } from './demo-transcriber.js';
import { OpenAiTranscriber } from './openai-transcriber.js';
import { Speaker } from './speaker.js';
import { Transcriber } from './transcriber.js';
import { UnconfiguredTranscriber } from './unconfigured-transcriber.js';
import { VoiceModule } from './voice.module.js';

/** Resolves the voice providers the way the app does: AppConfig comes from a global module. */
async function voiceFor(env: NodeJS.ProcessEnv): Promise<{ transcriber: Transcriber; speaker: Speaker }> {
  const config = AppConfig.fromEnvironment(env);
  @Global()
  @Module({ providers: [{ provide: AppConfig, useValue: config }], exports: [AppConfig] })
  class TestConfigModule {}

  const moduleRef = await Test.createTestingModule({ imports: [TestConfigModule, VoiceModule] }).compile();
  return { transcriber: moduleRef.get(Transcriber), speaker: moduleRef.get(Speaker) };
}

const file = { filename: 'voice.webm', mediaType: 'audio/webm', bytes: 3 };

describe('VoiceModule', () => {
  let warn: jest.SpiedFunction<Logger['warn']>;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('transcribes with the server TRANSCRIPTION_BASE_URL names, and speaks once SPEECH_MODEL is set', async () => {
    const { transcriber, speaker } = await voiceFor({
      TRANSCRIPTION_BASE_URL: 'http://127.0.0.1:1/v1',
      SPEECH_MODEL: 'tts-1',
    });
    expect(transcriber).toBeInstanceOf(OpenAiTranscriber);
    expect(transcriber.enabled).toBe(true);
    expect(speaker.enabled).toBe(true);
  });

  it('the offline demo transcribes every voice message to the same labelled text, reading the audio to its end', async () => {
    const { transcriber, speaker } = await voiceFor({});
    expect(transcriber).toBeInstanceOf(DemoTranscriber);
    expect(transcriber.enabled).toBe(true);
    expect(speaker.enabled).toBe(false);

    const audio = Readable.from([Buffer.from([1, 2]), Buffer.from([3])]);
    await expect(transcriber.transcribe(audio, file)).resolves.toEqual({ text: DEMO_TRANSCRIPT });
    expect(audio.readableEnded).toBe(true);
    expect(DEMO_TRANSCRIPT).toMatch(/demo transcription/);
  });

  it('a real model without a transcription server refuses voice messages, naming TRANSCRIPTION_BASE_URL', async () => {
    const { transcriber, speaker } = await voiceFor({
      EDGE_FUNCTION_URL: 'http://127.0.0.1:54321/functions/v1/chat',
      SPEECH_MODEL: 'tts-1',
    });
    expect(transcriber).toBeInstanceOf(UnconfiguredTranscriber);
    expect(transcriber.enabled).toBe(false);
    expect(speaker.enabled).toBe(false);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('TRANSCRIPTION_BASE_URL'));

    const error: unknown = await transcriber.transcribe(new Uint8Array(3), file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('TRANSCRIPTION_FAILED');
    expect((error as AppError).message).toContain('TRANSCRIPTION_BASE_URL is not set');
  });

  it('an OpenAI key alone is enough: transcription goes to OpenAI itself', async () => {
    const { transcriber } = await voiceFor({ OPENAI_API_KEY: 'sk-x' });
    expect(transcriber).toBeInstanceOf(OpenAiTranscriber);
  });
});
