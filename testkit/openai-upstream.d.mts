// Types for the OpenAI stub in openai-upstream.mjs (chat completions) and openai-audio.mjs (audio).

export type UpstreamBehavior = (
  | {
      kind: 'text';
      /** Full reply text; defaults to the chunks joined, or `Echo: <last user message>`. */
      text?: string;
      /** Exact stream deltas; defaults to `text` split on word boundaries. */
      chunks?: string[];
      chunkDelayMs?: number;
      firstTokenDelayMs?: number;
      /** Any string, odd ones included, to see what Pulse stores. */
      finishReason?: string;
      /** The `model` the answer names; defaults to the requested model. */
      model?: string;
      /** The usage reported; unset: counted from the request and text; null: none reported (as some servers do). */
      usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
    }
  | { kind: 'error'; status: number; message?: string; type?: string; code?: string | null }
  | {
      /** The model calls functions (finish_reason `tool_calls`), after an optional text. */
      kind: 'tool_calls';
      calls: {
        id?: string;
        name: string;
        /** JSON text as sent (may be malformed on purpose), or a value to serialize. */ arguments?: unknown;
      }[];
      text?: string;
      chunkDelayMs?: number;
      firstTokenDelayMs?: number;
      usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    }
  | { kind: 'hang' }
  | { kind: 'cut'; afterChunks: number; text?: string; chunkDelayMs?: number; firstTokenDelayMs?: number }
  | { kind: 'garbage' }
  | { kind: 'empty' }
) & {
  /** Serves only a request for this model (other requests pass it by); unset = the next request. */
  forModel?: string;
};

export interface RecordedUpstreamRequest {
  headers: Record<string, string | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  receivedAt: number;
  /** True once the connection closed before the answer was complete (client abort, hang, cut). */
  aborted: boolean;
}

/** A chat message's content part, as OpenAI's vision models take it. */
export type ChatContentPart =
  { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } };

/** A POST /v1/chat/completions body as the stub received it (JSON.parse of the bytes, nothing changed). */
export interface ChatCompletionsBody {
  model?: string;
  messages: { role: string; content: string | ChatContentPart[] | null }[];
  [key: string]: unknown;
}

/** Scripts the next POST /v1/audio/transcriptions. */
export type TranscriptionBehavior =
  | {
      kind: 'text';
      /** Defaults to `defaultTranscript(file name, file size)`. */
      text?: string;
      /** Seconds of audio reported (verbose_json `duration`, json `usage.seconds`); defaults to the size at 128 kbit/s. */
      duration?: number;
      /** Waits this long before answering. */
      delayMs?: number;
    }
  | { kind: 'error'; status: number; message?: string; type?: string; code?: string | null }
  | { kind: 'hang' }
  /** 200 with an HTML page under a JSON content type. */
  | { kind: 'garbage' };

export interface RecordedTranscription {
  headers: Record<string, string | string[] | undefined>;
  /** Every non-file multipart field: model, language, prompt, response_format, … */
  fields: Record<string, string>;
  model: string | undefined;
  /** The `file` part: its filename, its part's Content-Type, its size and SHA-256 (hex); unset when missing. */
  file: { name: string; type: string; size: number; sha256: string } | undefined;
  receivedAt: number;
  aborted: boolean;
}

/** Scripts the next POST /v1/audio/speech. */
export type SpeechBehavior =
  | {
      kind: 'audio';
      /** Silent MP3 frames (26 ms each) to send; defaults to one per four characters of input (4 to 200). */
      frames?: number;
      /** Frames per written chunk (default 4). */
      chunkFrames?: number;
      chunkDelayMs?: number;
      firstByteDelayMs?: number;
    }
  | { kind: 'cut'; afterChunks: number; frames?: number; chunkFrames?: number; chunkDelayMs?: number }
  | { kind: 'error'; status: number; message?: string; type?: string; code?: string | null }
  | { kind: 'hang' };

export interface RecordedSpeech {
  headers: Record<string, string | string[] | undefined>;
  body: {
    model: string;
    input: string;
    voice: string;
    response_format?: string;
    speed?: number;
    [key: string]: unknown;
  };
  receivedAt: number;
  aborted: boolean;
}

export interface OpenAIUpstream {
  /** Base URL as the OpenAI SDKs take it, e.g. `http://127.0.0.1:4010/v1`. */
  url: string;
  port: number;
  /** Every POST /v1/chat/completions received, in order, its body as sent. */
  requests: RecordedUpstreamRequest[];
  /** Every POST /v1/audio/transcriptions received (multipart: fields and the file's name, type, size, hash). */
  transcriptions: RecordedTranscription[];
  /** Every POST /v1/audio/speech received. */
  speeches: RecordedSpeech[];
  /** Scripts the next chat completions request (FIFO); an empty queue means the default echo reply. */
  enqueue(behavior: UpstreamBehavior): void;
  /**
   * Scripts the next transcription (FIFO). Unscripted: `{"text": defaultTranscript(name, size)}`
   * (plus `usage`), `text/plain` for response_format=text, or verbose_json with `duration` and
   * `segments`. Refused with 400 as OpenAI does: no `file`, no `model`, a file name whose
   * extension is not an audio format OpenAI takes (flac m4a mp3 mp4 mpeg mpga oga ogg wav webm).
   */
  enqueueTranscription(behavior: TranscriptionBehavior): void;
  /**
   * Scripts the next speech request (FIFO). Unscripted: silent MP3 frames as `audio/mpeg`
   * (or a WAV for response_format=wav), sent chunked. Refused with 400 as OpenAI does: no
   * model, input (or over 4096 characters) or voice, a speed outside 0.25 to 4.
   */
  enqueueSpeech(behavior: SpeechBehavior): void;
  /** The body of the last chat completions request (`lastRequest().messages`); throws when there is none. */
  lastRequest(): ChatCompletionsBody;
  /**
   * From now on, answer every chat completions request holding an image part with OpenAI's 400
   * for a model without vision (`Invalid content type. image_url is only supported by certain
   * models.`, param `messages.[i].content.[j].type`); `false` turns it off. reset() restores the start option.
   */
  rejectImages(refusal?: boolean | { message?: string; code?: string | null }): void;
  /** Forgets every script and record, of the audio endpoints too. */
  reset(): void;
  /** Closes the server and destroys open sockets, hung requests included. */
  close(): Promise<void>;
}

export function startOpenAIUpstream(options?: {
  port?: number;
  host?: string;
  apiKey?: string;
  /** Refuse image parts from the start; see OpenAIUpstream.rejectImages. */
  rejectImages?: boolean | { message?: string; code?: string | null };
}): Promise<OpenAIUpstream>;

export function splitIntoChunks(text: string): string[];
export function countTokens(text: string): number;

/** The transcript the stub answers when none is scripted. */
export function defaultTranscript(filename: string, size: number): string;
/** `frames` silent MP3 frames (417 bytes each, 128 kbit/s 44.1 kHz mono): the stub's speech bytes. */
export function silentMp3(frames: number): Buffer;
