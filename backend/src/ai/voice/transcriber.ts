import type { Readable } from 'node:stream';

/** What the transcriber is told about the audio beside its bytes. */
export interface AudioFile {
  /** The uploaded name; sent upstream, where the extension names the format. */
  filename: string;
  /** As sniffed from the bytes (audio/webm, audio/ogg). */
  mediaType: string;
  /** Size in bytes. */
  bytes: number;
}

export interface Transcript {
  text: string;
  /** Seconds of audio, when the server reports them. */
  durationSeconds?: number;
}

/**
 * Turns a voice message into text. Every failure is AppError('TRANSCRIPTION_FAILED') with a
 * message a user can read. The Nest injection token is the class itself.
 */
export abstract class Transcriber {
  /** Whether voice messages can be transcribed at all (`transcription` in the attachments config). */
  abstract readonly enabled: boolean;

  abstract transcribe(audio: Readable | Uint8Array, file: AudioFile, signal?: AbortSignal): Promise<Transcript>;
}
