import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { UsageDto } from './dto/usage.dto.js';
import { UsageService } from './usage.service.js';

@ApiTags('usage')
@ApiBearerAuth()
@Controller('api/usage')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  @Get()
  @ApiOperation({
    summary: "The caller's use per UTC day and what their daily quotas leave",
    description:
      'Counted in the same transaction as each message: questions (new messages, edits, regenerates), answers, ' +
      'and their prompt and completion tokens (the provider’s figures, else counted with the tokenizer).',
  })
  @ApiOkResponse({ type: UsageDto })
  get(@CurrentUser() user: AuthUser): Promise<UsageDto> {
    return this.usage.forUser(user);
  }
}
