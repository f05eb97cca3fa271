import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/public.decorator.js';
import { TokenService } from '../auth/token.service.js';
import { UsersService } from '../auth/users.service.js';

/** The one demo visitor of the local demo page. */
const DEMO_USER_ID = '00000000-0000-4000-8000-00000000d3e0';

/**
 * Dev-only: hands the demo page a token for the demo user. Registered only in demo
 * mode, which is never on in production (see AppConfig.demoMode).
 */
@ApiExcludeController()
@Controller('demo')
export class DemoController {
  constructor(
    private readonly tokens: TokenService,
    private readonly users: UsersService,
  ) {}

  @Public()
  @Get('token')
  @Header('Cache-Control', 'no-store')
  async token() {
    await this.users.provision(DEMO_USER_ID, { display_name: 'Demo visitor' });
    const minted = await this.tokens.mint(DEMO_USER_ID);
    return { token: minted.token, user_id: DEMO_USER_ID, expires_at: minted.expires_at };
  }
}
