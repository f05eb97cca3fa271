import { Logger } from '@nestjs/common';
import { Readable } from 'node:stream';
import { FormData, fetch } from 'undici';
import { AppError } from '../../common/app-error.js';
import { type AudioFile, type Transcript, Transcriber } from './transcriber.js';
import { describeCause, formatSeconds, VoiceCall } from './voice-call.js';

export interface OpenAiTranscriberOptions {
  /** Any OpenAI-compatible API root, up to and including `/v1`. */
  baseUrl: string;
  /** Omitted for servers without keys (a local whisper server). */
  apiKey?: string;
  model: string;
  /** The whole call, upload and answer. */
  timeoutMs: number;
}

/** The file extensions OpenAI's transcription endpoint takes: it refuses any other name with 400. */
const ACCEPTED_EXTENSIONS = new Set(['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']);
const EXTENSION_FOR_TYPE: Record<string, string> = {
  'audio/webm': 'webm',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/flac': 'flac',
};

/** How much of an error answer is kept for the log. */
const LOGGED_BODY_CHARS = 500;

/**
 * POST {baseUrl}/audio/transcriptions of any OpenAI-compatible server (OpenAI, a local
 * whisper server). The file goes as a Blob: an upload is at most ATTACHMENT_MAX_BYTES and the
 * server needs the whole file before it answers anyway, while a streamed multipart part would
 * need a hand-written body for undici, whose FormData only takes Blobs and Files.
 */
export class OpenAiTranscriber extends Transcriber {
  readonly enabled = true;
  private readonly endpoint: string;
  private readonly logger = new Logger(OpenAiTranscriber.name);

  constructor(private readonly options: OpenAiTranscriberOptions) {
    super();
    this.endpoint = `${options.baseUrl.replace(/\/+$/, '')}/audio/transcriptions`;
  }

  async transcribe(audio: Readable | Uint8Array, file: AudioFile, signal?: AbortSignal): Promise<Transcript> {
    const bytes = audio instanceof Readable ? await readUpload(audio, signal) : audio;
    const call = new VoiceCall(
      {
        timedOut: () =>
          failed(`the transcription service did not answer within ${formatSeconds(this.options.timeoutMs)}`),
        cancelled: () => failed('it was cancelled'),
      },
      this.options.timeoutMs,
      signal,
    );
    try {
      const form = new FormData();
      form.append('file', new Blob([bytes], { type: file.mediaType }), uploadName(file));
      form.append('model', this.options.model);
      form.append('response_format', 'json');
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (this.options.apiKey) headers.Authorization = `Bearer ${this.options.apiKey}`;

      const response = await fetch(this.endpoint, { method: 'POST', headers, body: form, signal: call.signal });
      const body = await response.text();
      if (!response.ok) {
        this.logger.warn(`Transcription server answered HTTP ${response.status}: ${body.slice(0, LOGGED_BODY_CHARS)}`);
        throw failed(`the transcription service answered HTTP ${response.status}`);
      }
      return this.transcript(body);
    } catch (error) {
      throw call.failure(error, (cause) => {
        this.logger.warn(`Transcription server unreachable: ${describeCause(cause)}`);
        return failed('the transcription service could not be reached');
      });
    } finally {
      call.end();
    }
  }

  private transcript(body: string): Transcript {
    let answer: { text?: unknown; duration?: unknown; usage?: { type?: unknown; seconds?: unknown } } | undefined;
    try {
      answer = JSON.parse(body) as typeof answer;
    } catch {
      // Handled below with every other shape that holds no text.
    }
    if (typeof answer?.text !== 'string') {
      this.logger.warn(`Transcription server answered without a text: ${body.slice(0, LOGGED_BODY_CHARS)}`);
      throw failed('the transcription service gave an answer Pulse could not read');
    }
    // verbose_json names `duration`; OpenAI's json answer bills whisper by `usage.seconds`.
    const duration =
      typeof answer.duration === 'number'
        ? answer.duration
        : answer.usage?.type === 'duration' && typeof answer.usage.seconds === 'number'
          ? answer.usage.seconds
          : undefined;
    return { text: answer.text.trim(), ...(duration !== undefined && { durationSeconds: duration }) };
  }
}

/**
 * The whole upload, at the client's pace rather than the server's: the timeout starts after it.
 * The stream's own failure (an upload cut off, or refused as too large) is the caller's and
 * goes back to it unchanged.
 */
async function readUpload(audio: Readable, signal?: AbortSignal): Promise<Buffer> {
  try {
    return Buffer.concat((await audio.toArray({ signal })) as Buffer[]);
  } catch (error) {
    if (signal?.aborted) throw failed('it was cancelled');
    throw error;
  }
}

function failed(why: string): AppError {
  return new AppError('TRANSCRIPTION_FAILED', `The voice message could not be transcribed: ${why}.`);
}

/**
 * The name the server is given: OpenAI reads the format from the extension and refuses names
 * it does not know (a recording saved as `.opus` or `blob`), so those get one from the media type.
 */
function uploadName(file: AudioFile): string {
  const extension = /\.([^./]+)$/.exec(file.filename)?.[1]?.toLowerCase();
  if (extension && ACCEPTED_EXTENSIONS.has(extension)) return file.filename;
  const fromType = EXTENSION_FOR_TYPE[file.mediaType.split(';')[0].trim().toLowerCase()];
  return fromType ? `${file.filename || 'voice'}.${fromType}` : file.filename;
}
