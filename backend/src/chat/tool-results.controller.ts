import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
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
import { SessionIdPipe } from '../sessions/session-id.pipe.js';
import { ToolResultsDto, ToolResultsPendingDto } from '../tools/dto/tool-results.dto.js';
import { JsonAnswer, StreamedAnswer } from './answer-output.js';
import { SendResultDto } from './dto/send-result.dto.js';
import { ToolResultsService } from './tool-results.service.js';

@ApiTags('chat')
@ApiBearerAuth()
@Controller('api/chat/sessions')
export class ToolResultsController {
  constructor(
    private readonly results: ToolResultsService,
    private readonly config: AppConfig,
  ) {}

  @Post(':sessionId/tool-results')
  @SendBudget()
  @ApiOperation({
    summary: "The page's results for the tool calls of an answer; the last one continues the answer",
    description:
      'For an answer that ended with `tool_calls` (awaiting_tool_results). Results may come together or one ' +
      'by one: while calls are pending, 202 `{pending}`. With the last, the model continues the same answer ' +
      '(same assistant_message_id, text appended), answered like POST /api/chat/send: JSON, or with ' +
      '`Accept: text/event-stream` the stream, opening with tool-output-available/-error/-denied parts. A call ' +
      'not answered within TOOL_RESULT_TIMEOUT_SECONDS ends as an error (409 TOOL_CALL_EXPIRED after that).',
  })
  @ApiOkResponse({
    description: 'The continued answer.',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(SendResultDto) } },
      'text/event-stream': { schema: { $ref: '#/components/schemas/UiMessageStreamPart' } },
    },
  })
  @ApiAcceptedResponse({ type: ToolResultsPendingDto, description: 'Stored; other calls of the answer still wait.' })
  @ApiErrors(
    'INVALID_ID',
    'SESSION_NOT_FOUND',
    'MESSAGE_NOT_FOUND',
    'TOOL_CALL_NOT_PENDING',
    'TOOL_CALL_EXPIRED',
    'TOOL_RESULT_TOO_LARGE',
    'UPSTREAM_ERROR',
    'UPSTREAM_BAD_RESPONSE',
    'UPSTREAM_TIMEOUT',
  )
  async submit(
    @CurrentUser() user: AuthUser,
    @Param('sessionId', SessionIdPipe) sessionId: string,
    @Body() body: ToolResultsDto,
    @Req() req: Request & { id?: string },
    @Res() res: Response,
  ): Promise<void> {
    const wantsStream = (req.headers.accept ?? '').includes('text/event-stream');
    const out = wantsStream ? new StreamedAnswer(res, this.config.streams, String(req.id)) : new JsonAnswer(res);
    const waiting = await this.results.submit(user, sessionId, body, out);
    if (waiting) res.status(202).json(waiting);
  }
}
