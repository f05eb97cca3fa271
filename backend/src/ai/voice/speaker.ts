import type { Readable } from 'node:stream';

export interface Speech {
  mediaType: string;
  /** The audio as the server sends it; destroying it cancels the request. */
  audio: Readable;
}

/**
 * Reads an answer aloud. When not `enabled`, speak throws AppError('SPEECH_NOT_CONFIGURED') and
 * the widget reads with the browser's own speech synthesis. The Nest injection token is the class itself.
 */
export abstract class Speaker {
  /** Whether answers can be read aloud by the server (`speech` in the attachments config). */
  abstract readonly enabled: boolean;

  /**
   * Resolves once the audio has begun to arrive; a failure before that rejects, a failure after
   * it errors the stream.
   */
  abstract speak(text: string, signal?: AbortSignal): Promise<Speech>;
}
