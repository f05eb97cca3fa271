import { Body, Controller, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/public.decorator.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { AdminTokenService } from './admin-token.service.js';
import { AdminTokenDto, AdminTokenRequestDto } from './dto/admin-token.dto.js';

@ApiTags('admin')
@Controller('api/admin')
export class AdminAuthController {
  constructor(private readonly tokens: AdminTokenService) {}

  @Public()
  @Post('token')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Exchange PULSE_ADMIN_KEY for a short-lived admin token (the dashboard signs in with it)',
    description:
      'Disabled (404) unless PULSE_ADMIN_KEY is set. The token lasts ADMIN_TOKEN_MINUTES and works only on ' +
      '/api/admin/* routes. Wrong keys count as auth failures of the address (AUTH_FAILURES_PER_MINUTE).',
  })
  @ApiOkResponse({ type: AdminTokenDto })
  @ApiErrors('ADMIN_KEY_INVALID', 'NOT_FOUND', 'TOO_MANY_AUTH_FAILURES')
  token(@Body() body: AdminTokenRequestDto, @Ip() clientAddress: string): Promise<AdminTokenDto> {
    return this.tokens.exchange(body.key, clientAddress);
  }
}
