import { AppError } from '../../common/app-error.js';
import { type Transcript, Transcriber } from './transcriber.js';

/** No server to transcribe with and a real model: a voice message is refused, saying what to set. */
export class UnconfiguredTranscriber extends Transcriber {
  readonly enabled = false;

  transcribe(): Promise<Transcript> {
    return Promise.reject(
      new AppError(
        'TRANSCRIPTION_FAILED',
        'Voice messages cannot be transcribed: TRANSCRIPTION_BASE_URL is not set on the server.',
      ),
    );
  }
}
