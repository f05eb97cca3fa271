import { Logger, Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { DemoTranscriber } from './demo-transcriber.js';
import { OpenAiSpeaker } from './openai-speaker.js';
import { OpenAiTranscriber } from './openai-transcriber.js';
import { Speaker } from './speaker.js';
import { Transcriber } from './transcriber.js';
import { UnconfiguredTranscriber } from './unconfigured-transcriber.js';

/** A transcription server when one is set, else the offline demo's, else one that refuses. */
function createTranscriber(config: AppConfig): Transcriber {
  const { voice } = config;
  const logger = new Logger('VoiceModule');
  if (voice.baseUrl) {
    // The host only: a base URL may carry credentials.
    logger.log(`Voice messages: transcribed by ${voice.transcriptionModel} at ${new URL(voice.baseUrl).host}`);
    return new OpenAiTranscriber({
      baseUrl: voice.baseUrl,
      apiKey: voice.apiKey,
      model: voice.transcriptionModel,
      timeoutMs: config.chat.timeoutMs,
    });
  }
  if (config.ai.provider === 'demo') {
    logger.log('Voice messages: the offline demo gives every one the same labelled transcript');
    return new DemoTranscriber();
  }
  logger.warn('Voice messages are refused: set TRANSCRIPTION_BASE_URL to transcribe them');
  return new UnconfiguredTranscriber();
}

function createSpeaker(config: AppConfig): Speaker {
  const { voice } = config;
  return new OpenAiSpeaker({
    baseUrl: voice.baseUrl,
    apiKey: voice.apiKey,
    model: voice.speechModel,
    voice: voice.speechVoice,
    timeoutMs: config.chat.timeoutMs,
  });
}

/** Voice messages in (Transcriber) and answers read aloud (Speaker); AppConfig comes from a global module. */
@Module({
  providers: [
    { provide: Transcriber, inject: [AppConfig], useFactory: createTranscriber },
    { provide: Speaker, inject: [AppConfig], useFactory: createSpeaker },
  ],
  exports: [Transcriber, Speaker],
})
export class VoiceModule {}
