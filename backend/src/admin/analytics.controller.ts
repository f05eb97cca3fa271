import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { SessionIdPipe } from '../sessions/session-id.pipe.js';
import { AdminOnly } from './admin-only.decorator.js';
import { AnalyticsService } from './analytics.service.js';
import { AnalyticsDto } from './dto/analytics.dto.js';
import { AnalyticsQuery } from './dto/analytics.query.js';
import { ConversationDto } from './dto/conversation.dto.js';

@AdminOnly()
@Controller('api/admin')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Get('analytics')
  @ApiOperation({
    summary: "The site's usage for a time range, per UTC hour or day",
    description:
      'Messages, active users, sessions, tokens, first-token and total latency (p50/p95), failed sends by code, ' +
      "feedback, and the longest sessions. Numbers and ids only: sessions' titles only with ADMIN_CAN_READ_CONVERSATIONS=true.",
  })
  @ApiOkResponse({ type: AnalyticsDto })
  @ApiErrors('VALIDATION_FAILED')
  report(@Query() query: AnalyticsQuery): Promise<AnalyticsDto> {
    return this.analytics.report(query);
  }

  @Get('sessions/:id/messages')
  @ApiOperation({
    summary: "A session's messages, for an admin",
    description: '403 CONVERSATIONS_HIDDEN unless ADMIN_CAN_READ_CONVERSATIONS=true.',
  })
  @ApiOkResponse({ type: ConversationDto })
  @ApiErrors('CONVERSATIONS_HIDDEN', 'SESSION_NOT_FOUND', 'INVALID_ID')
  conversation(@Param('id', SessionIdPipe) id: string): Promise<ConversationDto> {
    return this.analytics.conversation(id);
  }
}
