import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { SearchQuery } from './dto/search.query.js';
import { SearchResultDto } from './dto/search-result.dto.js';
import { SearchService } from './search.service.js';

@ApiTags('search')
@ApiBearerAuth()
@Controller('api/chat/search')
export class SearchController {
  constructor(private readonly search: SearchService) {}

  @Get()
  @ApiOperation({
    summary: "Search the caller's own messages, newest first",
    description:
      'Message-level hits across all sessions (every version of a message), plus sessions whose title matches ' +
      'while no message does (`message_id` null). Each hit has a plain-text `snippet` and the offsets of the ' +
      'matched words in it. Keyset pages: pass `next_cursor` as `after`. Archived sessions only with include_archived=true.',
  })
  @ApiOkResponse({ type: SearchResultDto })
  @ApiErrors('VALIDATION_FAILED', 'INVALID_CURSOR')
  find(@CurrentUser() user: AuthUser, @Query() query: SearchQuery): Promise<SearchResultDto> {
    return this.search.search(user, query);
  }
}
