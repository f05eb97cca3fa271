import { Body, Controller, Delete, HttpCode, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { FeedbackDto, PutFeedbackDto } from './dto/feedback.dto.js';
import { FeedbackService } from './feedback.service.js';
import { MessageIdPipe } from './message-id.pipe.js';

@ApiTags('feedback')
@ApiBearerAuth()
@Controller('api/chat/messages')
export class FeedbackController {
  constructor(private readonly feedback: FeedbackService) {}

  @Put(':id/feedback')
  @ApiOperation({
    summary: 'Rate an answer: thumbs up or down, with an optional comment',
    description:
      'One rating per message; a PUT replaces it (comment included). Only assistant messages of your own sessions.',
  })
  @ApiOkResponse({ type: FeedbackDto })
  @ApiErrors('INVALID_ID', 'VALIDATION_FAILED', 'INVALID_MESSAGE_ROLE', 'MESSAGE_NOT_FOUND')
  put(
    @CurrentUser() user: AuthUser,
    @Param('id', MessageIdPipe) id: string,
    @Body() body: PutFeedbackDto,
  ): Promise<FeedbackDto> {
    return this.feedback.put(user, id, body);
  }

  @Delete(':id/feedback')
  @HttpCode(204)
  @ApiOperation({ summary: "Remove one's rating of an answer (also 204 when it had none)" })
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiErrors('INVALID_ID', 'INVALID_MESSAGE_ROLE', 'MESSAGE_NOT_FOUND')
  remove(@CurrentUser() user: AuthUser, @Param('id', MessageIdPipe) id: string): Promise<void> {
    return this.feedback.remove(user, id);
  }
}
