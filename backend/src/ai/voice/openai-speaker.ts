import { Logger } from '@nestjs/common';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { request as httpRequest, type Dispatcher } from 'undici';
import { AppError } from '../../common/app-error.js';
import { type Speech, Speaker } from './speaker.js';
import { describeCause, formatSeconds, VoiceCall } from './voice-call.js';

export interface OpenAiSpeakerOptions {
  /** Any OpenAI-compatible API root, up to and including `/v1`; unset: no speech. */
  baseUrl?: string;
  apiKey?: string;
  /** SPEECH_MODEL; unset: no speech (the widget uses the browser's). */
  model?: string;
  voice: string;
  /** The longest wait for the first byte of each request and between two chunks of audio. */
  timeoutMs: number;
}

/** OpenAI takes at most this many characters of input per request. */
export const SPEECH_MAX_INPUT_CHARS = 4096;
const LOGGED_BODY_CHARS = 500;

type ResponseBody = Dispatcher.ResponseData['body'];

/**
 * POST {baseUrl}/audio/speech as MP3, passed on as it arrives. An answer longer than one
 * request may hold is read in pieces split at sentence ends, one request after the other:
 * MP3 is a sequence of self-contained frames, so the pieces' audio simply follows on.
 */
export class OpenAiSpeaker extends Speaker {
  readonly enabled: boolean;
  private readonly endpoint?: string;
  private readonly logger = new Logger(OpenAiSpeaker.name);

  constructor(private readonly options: OpenAiSpeakerOptions) {
    super();
    this.enabled = options.baseUrl !== undefined && options.model !== undefined;
    if (options.baseUrl) this.endpoint = `${options.baseUrl.replace(/\/+$/, '')}/audio/speech`;
  }

  async speak(text: string, signal?: AbortSignal): Promise<Speech> {
    if (!this.enabled) {
      throw new AppError('SPEECH_NOT_CONFIGURED', 'Reading answers aloud is not configured on this server.');
    }
    const call = new VoiceCall(
      {
        timedOut: () =>
          new AppError(
            'UPSTREAM_TIMEOUT',
            `The speech service did not answer within ${formatSeconds(this.options.timeoutMs)}.`,
          ),
        cancelled: () => new AppError('UPSTREAM_ERROR', 'Reading the answer aloud was cancelled.'),
      },
      this.options.timeoutMs,
      signal,
    );
    // Never empty: a text that needs no cutting is one piece, itself.
    const [first, ...rest] = speechPieces(text, SPEECH_MAX_INPUT_CHARS);
    let body: ResponseBody;
    try {
      body = await this.request(first, call);
    } catch (error) {
      call.end();
      throw error;
    }
    const audio = new PassThrough();
    // A consumer that stops reading (the client went away) ends the call, and so the request.
    audio.once('close', () => call.end());
    void this.pump(body, rest, call, audio);
    return { mediaType: 'audio/mpeg', audio };
  }

  /** Passes each piece's audio on as it arrives; the next piece is asked for when one ends. */
  private async pump(first: ResponseBody, rest: string[], call: VoiceCall, audio: PassThrough): Promise<void> {
    try {
      let body = first;
      for (let next = 0; ; next += 1) {
        const alive = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            call.touch();
            done(null, chunk);
          },
        });
        await pipeline(body, alive, audio, { end: false });
        if (next >= rest.length) break;
        body = await this.request(rest[next], call);
      }
      audio.end();
      call.end();
    } catch (error) {
      // A consumer that left has nobody to tell; pipeline has already closed the request.
      if (audio.destroyed) return;
      audio.destroy(
        call.failure(error, (cause) => {
          this.logger.warn(`Speech stream broke off: ${describeCause(cause)}`);
          return new AppError('UPSTREAM_ERROR', 'The speech service stopped sending audio half-way.');
        }),
      );
    }
  }

  /** One request, up to its answer's headers; what comes after is the caller's to read. */
  private async request(input: string, call: VoiceCall): Promise<ResponseBody> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'audio/mpeg' };
    if (this.options.apiKey) headers.Authorization = `Bearer ${this.options.apiKey}`;
    call.touch();
    let response: Dispatcher.ResponseData;
    try {
      response = await httpRequest(this.endpoint!, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: this.options.model, input, voice: this.options.voice, response_format: 'mp3' }),
        signal: call.signal,
      });
    } catch (error) {
      throw call.failure(error, (cause) => {
        this.logger.warn(`Speech server unreachable: ${describeCause(cause)}`);
        return new AppError('UPSTREAM_ERROR', 'Could not reach the speech service.');
      });
    }
    const type = String(response.headers['content-type'] ?? '').toLowerCase();
    if (response.statusCode < 200 || response.statusCode > 299 || !isAudio(type)) {
      const body = await response.body.text().catch(() => '');
      this.logger.warn(
        `Speech server answered HTTP ${response.statusCode} (${type || 'no content type'}): ${body.slice(0, LOGGED_BODY_CHARS)}`,
      );
      throw new AppError(
        'UPSTREAM_ERROR',
        response.statusCode > 299
          ? `The speech service answered HTTP ${response.statusCode}.`
          : 'The speech service answered with something other than audio.',
      );
    }
    call.touch();
    return response.body;
  }
}

function isAudio(type: string): boolean {
  return type.startsWith('audio/') || type.startsWith('application/octet-stream');
}

/**
 * `text` in pieces of at most `max` characters, cut after a sentence where one ends in the
 * second half of a piece, else at a space, else anywhere. The pieces join back to the text.
 */
export function speechPieces(text: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    const sentence = lastMatchEnd(window, /[.!?…]\s+|\n+/g);
    const space = window.lastIndexOf(' ');
    const cut = sentence > max / 2 ? sentence : space > max / 2 ? space + 1 : max;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest.length > 0 || pieces.length === 0) pieces.push(rest);
  return pieces;
}

function lastMatchEnd(text: string, pattern: RegExp): number {
  let end = -1;
  for (const match of text.matchAll(pattern)) end = match.index + match[0].length;
  return end;
}
