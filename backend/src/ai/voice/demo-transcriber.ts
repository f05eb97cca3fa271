import { Readable } from 'node:stream';
import { type AudioFile, type Transcript, Transcriber } from './transcriber.js';

/** Says what it is, like the demo provider's answers, so nobody mistakes it for a transcription. */
export const DEMO_TRANSCRIPT = 'Voice message (demo transcription): what can you tell me about this product?';

/** The offline demo's transcriber: a fixed, clearly labelled text whatever was said. */
export class DemoTranscriber extends Transcriber {
  readonly enabled = true;

  async transcribe(audio: Readable | Uint8Array, _file: AudioFile, signal?: AbortSignal): Promise<Transcript> {
    // Read to the end all the same: an upload piped in here must not stall half-way.
    if (audio instanceof Readable) await audio.toArray({ signal });
    return { text: DEMO_TRANSCRIPT };
  }
}
