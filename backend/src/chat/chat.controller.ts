import { applyDecorators, Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
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
import { AppConfig } from '../config/app-config.js';
import { SendBudget } from '../rate-limit/send-budget.decorator.js';
import { MessageIdPipe, SessionIdPipe } from '../sessions/session-id.pipe.js';
import { JsonAnswer, StreamedAnswer } from './answer-output.js';
import { ChatService } from './chat.service.js';
import { EditMessageDto, RegenerateDto } from './dto/branch-send.dto.js';
import { SendMessageDto } from './dto/send-message.dto.js';
import { SendResultDto } from './dto/send-result.dto.js';
import { IdempotencyKeyHeader, IdempotencyKeyPipe } from './idempotency-key.pipe.js';
import type { BranchTarget } from './send.js';

/** An edit or a regenerate: charged and answered exactly like POST /api/chat/send. */
const AnswersLikeSend = () =>
  applyDecorators(
    HttpCode(200),
    SendBudget(),
    ApiHeader({ name: 'Idempotency-Key', required: false, description: 'As for POST /api/chat/send.' }),
    ApiOkResponse({
      description: 'As POST /api/chat/send.',
      content: {
        'application/json': { schema: { $ref: getSchemaPath(SendResultDto) } },
        'text/event-stream': { schema: { $ref: '#/components/schemas/UiMessageStreamPart' } },
      },
    }),
    ApiErrors(
      'INVALID_ID',
      'SESSION_NOT_FOUND',
      'MESSAGE_NOT_FOUND',
      'INVALID_MESSAGE_ROLE',
      'IDEMPOTENCY_KEY_REUSED',
      'IDEMPOTENCY_KEY_IN_USE',
      'UPSTREAM_ERROR',
      'UPSTREAM_BAD_RESPONSE',
      'UPSTREAM_TIMEOUT',
      'TOOL_DEFINITION_INVALID',
      'TOOL_NOT_ALLOWED',
    ),
  );

@ApiTags('chat')
@ApiBearerAuth()
@Controller('api/chat')
export class ChatController {
  constructor(
    private readonly chat: ChatService,
    private readonly config: AppConfig,
  ) {}

  @Post('send')
  @SendBudget()
  @ApiOperation({
    summary: "Send a message and get the assistant's answer",
    description:
      "Without session_id a new session is created, titled from the message. The user's message is stored " +
      'before any of the answer is sent (the model is asked while its commit is in flight, and a failed commit ' +
      'cancels that call). With `Accept: text/event-stream` the answer streams as Server-Sent Events in ' +
      'the AI SDK UI message stream protocol v1 (start, data-session, text-start/-delta/-end, data-message, ' +
      "finish, [DONE]; data-error + error on failure), usable with the AI SDK's useChat. " +
      'Errors: 403 USER_NOT_FOUND (the user was removed from public.users), 404 SESSION_NOT_FOUND, 504 UPSTREAM_TIMEOUT, 502 UPSTREAM_ERROR/UPSTREAM_BAD_RESPONSE, ' +
      '409 IDEMPOTENCY_KEY_REUSED/IDEMPOTENCY_KEY_IN_USE, 429 RATE_LIMITED (RATE_LIMIT_PER_MINUTE shared with every ' +
      'endpoint, and RATE_LIMIT_SENDS_PER_MINUTE for sends; Retry-After says when to retry). ' +
      "A 502/504 (and a stream's data-error) carries " +
      '`session_id` and `user_message_id`: the question is stored there. To retry, repeat the request with the ' +
      'same Idempotency-Key and the same body: the stored question is answered, nothing is stored twice. ' +
      'Without a key, send again with that session_id (the question is then stored a second time; without ' +
      'session_id a new session would be created). A client that disconnects does not end the answer: it is ' +
      'stored whole and can be resumed (GET /api/chat/sessions/{id}/stream). A stop (POST ' +
      '/api/chat/sessions/{id}/stop) before the first word stores no answer (the history shows the question ' +
      'alone). Text the model sends is cleaned before it is streamed ' +
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
    'QUOTA_EXCEEDED',
    'TOOL_DEFINITION_INVALID',
    'TOOL_NOT_ALLOWED',
  )
  async send(
    @CurrentUser() user: AuthUser,
    @Body() body: SendMessageDto,
    @IdempotencyKeyHeader(IdempotencyKeyPipe) idempotencyKey: string | undefined,
    @Req() req: Request & { id?: string },
    @Res() res: Response,
  ): Promise<void> {
    await this.answer(user, body, undefined, idempotencyKey, req, res);
  }

  @Post('sessions/:sessionId/messages/:messageId/regenerate')
  @ApiOperation({
    summary: 'Answer a question again: a new answer beside the one given',
    description:
      "`messageId` is an assistant message. The new answer is a sibling of it (same question, the question's " +
      'branch as memory) and becomes the active branch once stored. Responds exactly like POST /api/chat/send ' +
      '(JSON, or the UI message stream with `Accept: text/event-stream`); `user_message_id` is the question ' +
      'answered. Idempotency-Key, stop and resume work as for a send.',
  })
  @AnswersLikeSend()
  async regenerate(
    @CurrentUser() user: AuthUser,
    @Param('sessionId', SessionIdPipe) sessionId: string,
    @Param('messageId', MessageIdPipe) messageId: string,
    @Body() body: RegenerateDto,
    @IdempotencyKeyHeader(IdempotencyKeyPipe) idempotencyKey: string | undefined,
    @Req() req: Request & { id?: string },
    @Res() res: Response,
  ): Promise<void> {
    const send = {
      message: '',
      session_id: sessionId,
      temperature: body.temperature,
      max_tokens: body.max_tokens,
      tools: body.tools,
    };
    await this.answer(user, send, { kind: 'regenerate', messageId }, idempotencyKey, req, res);
  }

  @Post('sessions/:sessionId/messages/:messageId/edit')
  @ApiOperation({
    summary: 'Ask an edited question: a new question beside the one edited, then its answer',
    description:
      '`messageId` is a user message. The new text is stored as its sibling (same parent, so the memory is ' +
      'the branch before it), becomes the active branch and is answered. Responds exactly like POST ' +
      '/api/chat/send; Idempotency-Key, stop and resume work as for a send.',
  })
  @AnswersLikeSend()
  async edit(
    @CurrentUser() user: AuthUser,
    @Param('sessionId', SessionIdPipe) sessionId: string,
    @Param('messageId', MessageIdPipe) messageId: string,
    @Body() body: EditMessageDto,
    @IdempotencyKeyHeader(IdempotencyKeyPipe) idempotencyKey: string | undefined,
    @Req() req: Request & { id?: string },
    @Res() res: Response,
  ): Promise<void> {
    const send = {
      message: body.message,
      session_id: sessionId,
      temperature: body.temperature,
      max_tokens: body.max_tokens,
      tools: body.tools,
    };
    await this.answer(user, send, { kind: 'edit', messageId }, idempotencyKey, req, res);
  }

  /** One answer, as JSON or as a stream, for a send, an edit or a regenerate. */
  private async answer(
    user: AuthUser,
    body: SendMessageDto,
    target: BranchTarget | undefined,
    idempotencyKey: string | undefined,
    req: Request & { id?: string },
    res: Response,
  ): Promise<void> {
    const wantsStream = (req.headers.accept ?? '').includes('text/event-stream');
    const out = wantsStream ? new StreamedAnswer(res, this.config.streams, String(req.id)) : new JsonAnswer(res);
    await this.chat.send(user, body, { idempotencyKey, target }, out);
  }
}
