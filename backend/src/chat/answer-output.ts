import type { Response } from 'express';
import { toErrorBody } from '../common/http-error.filter.js';
import type { InFlightAnswer } from '../streams/live-answers.js';
import { type StreamToolCall, UiMessageStream } from '../streams/ui-message-stream.js';
import type { AnswerSourceDto, SendResultDto } from './dto/send-result.dto.js';
import type { PreparedSend } from './send.js';

/** Where a send's answer goes: one JSON body, or the AI SDK's UI message stream. */
export interface AnswerOutput {
  /** Streamed answers keep their events for resumes; JSON ones only take part in stop and drain. */
  readonly streamed: boolean;
  /** The question is stored. `answer` (absent for a replay) keeps what is written for resumes. */
  open(prepared: PreparedSend, answer?: InFlightAnswer): void;
  text(piece: string): void;
  /** The files (or pages) the model was given; a JSON answer carries them in its result. */
  sources(list: AnswerSourceDto[]): void;
  /** A call of the page's tools as it comes (a JSON answer carries the calls in its result). */
  toolInputStart(id: string, name: string): void;
  toolInputDelta(id: string, delta: string): void;
  toolInput(call: StreamToolCall): void;
  /** The page's answer to a call, as a continuation opens. */
  toolOutput(call: StreamToolCall): void;
  finish(result: SendResultDto): Promise<void>;
  /** The send failed: reported here if the answer already began, else rethrown for the error filter. */
  fail(err: unknown): Promise<void>;
  /** Stops timers; whatever was gathered is still written. */
  dispose(): void;
}

/** The whole answer as one JSON body; an error is the error filter's ordinary response. */
export class JsonAnswer implements AnswerOutput {
  readonly streamed = false;

  constructor(private readonly res: Response) {}

  open(): void {}

  text(): void {}

  sources(): void {}

  toolInputStart(): void {}

  toolInputDelta(): void {}

  toolInput(): void {}

  toolOutput(): void {}

  async finish(result: SendResultDto): Promise<void> {
    this.res.status(200).json(result);
  }

  async fail(err: unknown): Promise<never> {
    throw err;
  }

  dispose(): void {}
}

/** The answer as Server-Sent Events; an error before the stream opened is an ordinary JSON response. */
export class StreamedAnswer implements AnswerOutput {
  readonly streamed = true;
  private readonly stream: UiMessageStream;

  constructor(
    res: Response,
    timing: { heartbeatMs: number; flushMs: number },
    private readonly requestId: string,
  ) {
    this.stream = new UiMessageStream(res, timing.heartbeatMs, timing.flushMs);
  }

  open(prepared: PreparedSend, answer?: InFlightAnswer): void {
    this.stream.begin(prepared, answer);
  }

  text(piece: string): void {
    this.stream.delta(piece);
  }

  sources(list: AnswerSourceDto[]): void {
    this.stream.sources(list);
  }

  toolInputStart(id: string, name: string): void {
    this.stream.toolInputStart(id, name);
  }

  toolInputDelta(id: string, delta: string): void {
    this.stream.toolInputDelta(id, delta);
  }

  toolInput(call: StreamToolCall): void {
    this.stream.toolInput(call);
  }

  toolOutput(call: StreamToolCall): void {
    this.stream.toolOutput(call);
  }

  finish(result: SendResultDto): Promise<void> {
    return this.stream.finish(result);
  }

  async fail(err: unknown): Promise<void> {
    if (!this.stream.opened) throw err;
    await this.stream.fail(toErrorBody(err, this.requestId));
  }

  dispose(): void {
    this.stream.dispose();
  }
}
