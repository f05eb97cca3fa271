import { Body, Controller, Headers, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { AuthService } from './auth.service.js';
import { MintedTokenDto, MintTokenDto } from './dto/mint-token.dto.js';
import { Public } from './public.decorator.js';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('token')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Mint a short-lived widget token for one of your users (server-to-server)',
    description:
      'Your server calls this with the PULSE_API_KEY; the user is added to public.users if missing. ' +
      'Never call it from a browser. Disabled (404) unless PULSE_API_KEY is set. After AUTH_FAILURES_PER_MINUTE ' +
      'wrong keys from one address, 429 TOO_MANY_AUTH_FAILURES (with Retry-After) until the minute is over.',
  })
  @ApiHeader({ name: 'X-Api-Key', required: true })
  @ApiOkResponse({ type: MintedTokenDto })
  @ApiErrors('INVALID_API_KEY', 'NOT_FOUND', 'TOO_MANY_AUTH_FAILURES')
  mint(
    @Headers('x-api-key') apiKey: string | undefined,
    @Body() body: MintTokenDto,
    @Ip() clientAddress: string,
  ): Promise<MintedTokenDto> {
    return this.auth.mintForIntegrator(apiKey, body, clientAddress);
  }
}
