import { Controller, Get, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { AppError } from '../common/app-error.js';
import { SessionIdPipe } from '../sessions/session-id.pipe.js';
import { AnswerStreams } from './answer-streams.service.js';
import { StopResultDto } from './dto/stop-result.dto.js';

const EVENT_ID = /^\d{1,9}$/;

@ApiTags('chat')
@ApiBearerAuth()
@Controller('api/chat/sessions')
export class AnswerStreamsController {
  constructor(private readonly streams: AnswerStreams) {}

  @Post(':id/stop')
  @HttpCode(200)
  @ApiOperation({
    summary: "Stop the session's answer in flight, whichever server produces it",
    description:
      'The partial answer is stored with `interrupted: true` (finish_reason `interrupted`) before this returns, ' +
      'and its stream (the original and any resumed one) ends with finish reason `interrupted`. ' +
      '204 when nothing is in flight. Errors: 404 SESSION_NOT_FOUND.',
  })
  @ApiOkResponse({ type: StopResultDto })
  @ApiNoContentResponse({ description: 'No answer in flight in this session.' })
  async stop(
    @CurrentUser() user: AuthUser,
    @Param('id', SessionIdPipe) id: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StopResultDto | undefined> {
    const stopped = await this.streams.stop(user, id);
    if (!stopped) res.status(204);
    return stopped;
  }

  @Get(':id/stream')
  @ApiOperation({
    summary: "Resume the session's answer in flight (from any server)",
    description:
      'The same AI SDK UI message stream as POST /api/chat/send, with the same event ids (1, 2, 3... per answer): ' +
      'all events from the first, or with `Last-Event-ID: n` only those after n, then the rest live until ' +
      '`finish` (or `data-error` + `error`: code ANSWER_LOST when the server producing it died) and `[DONE]`. ' +
      "Works with the AI SDK's `resumeStream` (`prepareReconnectToStreamRequest`). 204 when no answer is in " +
      'flight (or, with Last-Event-ID, when none of its events is newer); events stay resumable for ' +
      'STREAM_RESUME_SECONDS after the answer ends. Errors: 404 SESSION_NOT_FOUND.',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The id of the last event the client has.' })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'Server-Sent Events (AI SDK UI message stream v1).' })
  @ApiNoContentResponse({ description: 'Nothing to resume.' })
  async resume(
    @CurrentUser() user: AuthUser,
    @Param('id', SessionIdPipe) id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    if (lastEventId !== undefined && !EVENT_ID.test(lastEventId.trim())) {
      throw new AppError('VALIDATION_FAILED', 'Last-Event-ID must be an event id (a whole number).', {
        field: 'Last-Event-ID',
      });
    }
    const resumed = await this.streams.resume(
      user,
      id,
      lastEventId === undefined ? undefined : Number(lastEventId),
      res,
    );
    if (!resumed) res.status(204).end();
  }
}
