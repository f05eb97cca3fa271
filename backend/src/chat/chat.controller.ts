import { Body, Controller, Headers, Post, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { AppError } from '../common/app-error.js';
import { HttpErrorFilter } from '../common/http-error.filter.js';
import { AppConfig } from '../config/app-config.js';
import { AnswerStreams } from './answer-streams.service.js';
import { SendBudget } from '../rate-limit/send-budget.decorator.js';
import { ChatService, type PreparedSend } from './chat.service.js';
import { SendMessageDto } from './dto/send-message.dto.js';
import { SendResultDto } from './dto/send-result.dto.js';
import type { InFlightAnswer } from './stream-hub.js';
import { toUiFinishReason, UiMessageStream } from './ui-message-stream.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

@ApiTags('chat')
@ApiBearerAuth()
@Controller('api/chat')
export class ChatController {
  private readonly errors = new HttpErrorFilter();

  constructor(
    private readonly chat: ChatService,
    private readonly config: AppConfig,
    private readonly streams: AnswerStreams,
  ) {}

  @Post('send')
  @SendBudget()
  @ApiOperation({
    summary: "Send a message and get the assistant's answer",
    description:
      "Without session_id a new session is created, titled from the message. The user's message is stored " +
      'before the model is called. With `Accept: text/event-stream` the answer streams as Server-Sent Events in ' +
      'the AI SDK UI message stream protocol v1 (start, data-session, text-start/-delta/-end, data-message, ' +
      "finish, [DONE]; data-error + error on failure), usable with the AI SDK's useChat. " +
      'Errors: 403 USER_NOT_FOUND (the user was removed from public.users), 404 SESSION_NOT_FOUND, 504 UPSTREAM_TIMEOUT, 502 UPSTREAM_ERROR/UPSTREAM_BAD_RESPONSE, ' +
      '409 IDEMPOTENCY_KEY_REUSED/IDEMPOTENCY_KEY_IN_USE, 429 RATE_LIMITED (RATE_LIMIT_PER_MINUTE shared with every ' +
      'endpoint, and RATE_LIMIT_SENDS_PER_MINUTE for sends; Retry-After says when to retry). ' +
      "A 502/504 (and a stream's data-error) carries " +
      '`session_id` and `user_message_id`: the question is stored there. To retry, repeat the request with the ' +
      'same Idempotency-Key and the same body: the stored question is answered, nothing is stored twice. ' +
      'Without a key, send again with that session_id (the question is then stored a second time; without ' +
      'session_id a new session would be created). A client that disconnects before the first word stores no ' +
      'answer (the history shows the question alone). Text the model sends is cleaned before it is streamed ' +
      'and stored: U+0000 dropped, an unpaired surrogate replaced by U+FFFD.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Makes a retry safe: the same key returns the first result and stores nothing twice.',
  })
  @ApiExtraModels(SendResultDto)
  @ApiOkResponse({
    description: 'The answer: one JSON result, or with `Accept: text/event-stream` a stream of parts.',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(SendResultDto) } },
      'text/event-stream': { schema: { $ref: '#/components/schemas/UiMessageStreamPart' } },
    },
  })
  @ApiErrors(
    'SESSION_NOT_FOUND',
    'IDEMPOTENCY_KEY_REUSED',
    'IDEMPOTENCY_KEY_IN_USE',
    'UPSTREAM_ERROR',
    'UPSTREAM_BAD_RESPONSE',
    'UPSTREAM_TIMEOUT',
  )
  async send(
    @CurrentUser() user: AuthUser,
    @Body() body: SendMessageDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Req() req: Request & { id?: string },
    @Res() res: Response,
  ): Promise<void> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new AppError('VALIDATION_FAILED', 'Idempotency-Key must be 1 to 255 visible ASCII characters.', {
        field: 'Idempotency-Key',
      });
    }
    this.streams.assertAccepting();
    // Not tied to the connection: a client that drops goes on resuming; only a stop or the drain limit aborts.
    const abort = new AbortController();
    let answer: InFlightAnswer | undefined;

    if (!(req.headers.accept ?? '').includes('text/event-stream')) {
      try {
        const result = await this.chat.send(user, body, {
          idempotencyKey,
          signal: abort.signal,
          onPrepared: (p) => (answer = this.streams.register(user, p, abort, idempotencyKey)),
        });
        res.status(200).json(result);
      } finally {
        await answer?.end();
      }
      return;
    }

    const stream = new UiMessageStream(res, this.config.env.SSE_HEARTBEAT_SECONDS * 1000);
    const textId = (id: string) => `text-${id}`;
    let assistantId = '';
    const begin = (p: PreparedSend, live = true) => {
      assistantId = p.assistant_message_id;
      if (live) answer = this.streams.register(user, p, abort, idempotencyKey, stream);
      stream.open();
      stream.write({ type: 'start', messageId: p.assistant_message_id });
      stream.write({
        type: 'data-session',
        data: {
          session_id: p.session_id,
          title: p.title,
          created_session: p.created_session,
          user_message_id: p.user_message_id,
        },
      });
      stream.write({ type: 'text-start', id: textId(p.assistant_message_id) });
    };
    try {
      const result = await this.chat.send(user, body, {
        idempotencyKey,
        signal: abort.signal,
        onPrepared: begin,
        onDelta: (delta) => stream.write({ type: 'text-delta', id: textId(assistantId), delta }),
      });
      if (result.replayed) {
        begin(result, false);
        if (result.response) stream.write({ type: 'text-delta', id: textId(assistantId), delta: result.response });
      }
      stream.write({ type: 'text-end', id: textId(assistantId) });
      stream.write({
        type: 'data-message',
        data: {
          assistant_message_id: result.assistant_message_id,
          finish_reason: result.finish_reason,
          interrupted: result.interrupted,
          usage: result.usage,
          provider: result.provider,
          model: result.model,
          replayed: result.replayed,
        },
      });
      stream.write({ type: 'finish', finishReason: toUiFinishReason(result.finish_reason) });
      await stream.end();
    } catch (err) {
      // Before the stream opened, the error is an ordinary JSON response with its status.
      if (!stream.opened) throw err;
      const body = this.errors.toBody(err, String(req.id));
      stream.write({ type: 'text-end', id: textId(assistantId) });
      const { code, message, requestId, session_id, user_message_id } = body;
      stream.write({ type: 'data-error', data: { code, message, requestId, session_id, user_message_id } });
      stream.write({ type: 'error', errorText: body.message });
      await stream.end();
    } finally {
      stream.dispose();
      await answer?.end();
    }
  }
}
