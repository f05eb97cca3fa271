import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { ChooseBranchDto } from './dto/choose-branch.dto.js';
import { CreateSessionDto } from './dto/create-session.dto.js';
import { GetSessionQuery, ListMessagesQuery, ListSessionsQuery } from './dto/list-sessions.query.js';
import { MessageListDto, SessionDto, SessionListDto, SessionWithMessagesDto } from './dto/session.dto.js';
import { UpdateSessionDto } from './dto/update-session.dto.js';
import { SessionIdPipe } from './session-id.pipe.js';
import { SessionsService } from './sessions.service.js';

@ApiTags('sessions')
@ApiBearerAuth()
@Controller('api/chat/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post()
  @ApiOperation({ summary: 'Create a chat session' })
  @ApiCreatedResponse({ type: SessionDto })
  create(@CurrentUser() user: AuthUser, @Body() body: CreateSessionDto): Promise<SessionDto> {
    return this.sessions.create(user, body);
  }

  @Get()
  @ApiOperation({
    summary: "List the caller's sessions, most recently active first",
    description:
      "Keyset pagination: pass the previous page's `last_id` as `after`. Archived sessions are hidden unless include_archived=true.",
  })
  @ApiOkResponse({ type: SessionListDto })
  @ApiErrors('VALIDATION_FAILED', 'INVALID_CURSOR')
  list(@CurrentUser() user: AuthUser, @Query() query: ListSessionsQuery): Promise<SessionListDto> {
    return this.sessions.list(user, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A session with the latest messages of its active branch' })
  @ApiOkResponse({ type: SessionWithMessagesDto })
  @ApiErrors('INVALID_ID', 'VALIDATION_FAILED', 'SESSION_NOT_FOUND')
  get(
    @CurrentUser() user: AuthUser,
    @Param('id', SessionIdPipe) id: string,
    @Query() query: GetSessionQuery,
  ): Promise<SessionWithMessagesDto> {
    return this.sessions.get(user, id, query);
  }

  @Post(':id/branch')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Make the branch through a message active',
    description:
      'From the message chosen, the active branch follows the newest reply down to a leaf. GET of the session, ' +
      'its message pages, and the memory of the next send then follow that branch. Returns the session as GET does.',
  })
  @ApiOkResponse({ type: SessionWithMessagesDto })
  @ApiErrors('INVALID_ID', 'VALIDATION_FAILED', 'SESSION_NOT_FOUND', 'MESSAGE_NOT_FOUND')
  branch(
    @CurrentUser() user: AuthUser,
    @Param('id', SessionIdPipe) id: string,
    @Body() body: ChooseBranchDto,
  ): Promise<SessionWithMessagesDto> {
    return this.sessions.chooseBranch(user, id, body.message_id.toLowerCase());
  }

  @Get(':id/messages')
  @ApiOperation({
    summary: "Page through a session's active branch (newest first by default)",
    description:
      'The messages from the first to current_leaf_id. Newest first costs the page; oldest first walks the ' +
      'branch from its leaf back to `after`, so prefer newest first on very long sessions.',
  })
  @ApiOkResponse({ type: MessageListDto })
  @ApiErrors('INVALID_ID', 'VALIDATION_FAILED', 'INVALID_CURSOR', 'SESSION_NOT_FOUND')
  messages(
    @CurrentUser() user: AuthUser,
    @Param('id', SessionIdPipe) id: string,
    @Query() query: ListMessagesQuery,
  ): Promise<MessageListDto> {
    return this.sessions.listMessages(user, id, query);
  }

  @Put(':id')
  @ApiOperation({ summary: 'Rename, change the system prompt, archive (is_active=false) or restore' })
  @ApiOkResponse({ type: SessionDto })
  @ApiErrors('INVALID_ID', 'SESSION_NOT_FOUND')
  update(
    @CurrentUser() user: AuthUser,
    @Param('id', SessionIdPipe) id: string,
    @Body() body: UpdateSessionDto,
  ): Promise<SessionDto> {
    return this.sessions.update(user, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a session and all its messages for good (to keep it, archive it instead)' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrors('INVALID_ID', 'SESSION_NOT_FOUND')
  remove(@CurrentUser() user: AuthUser, @Param('id', SessionIdPipe) id: string): Promise<void> {
    return this.sessions.remove(user, id);
  }

  @Post(':id/clear')
  @HttpCode(204)
  @ApiOperation({ summary: "Delete all of a session's messages, keeping the session" })
  @ApiNoContentResponse({ description: 'Cleared.' })
  @ApiErrors('INVALID_ID', 'SESSION_NOT_FOUND')
  clear(@CurrentUser() user: AuthUser, @Param('id', SessionIdPipe) id: string): Promise<void> {
    return this.sessions.clear(user, id);
  }
}
