import { Controller, Get, HttpCode } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/public.decorator.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { AppError } from '../common/app-error.js';
import { Draining } from '../common/draining.js';
import { Database } from '../database/database.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly db: Database,
    private readonly draining: Draining,
  ) {}

  @Public()
  @Get()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live() {
    return { status: 'ok' };
  }

  @Public()
  @Get('ready')
  @HttpCode(200)
  @ApiOperation({ summary: 'Readiness: the database answers' })
  @ApiOkResponse({ schema: { example: { status: 'ok', database: 'pglite' } } })
  @ApiErrors('DATABASE_UNAVAILABLE', 'SHUTTING_DOWN')
  async ready() {
    if (this.draining.active) throw new AppError('SHUTTING_DOWN', 'This server is shutting down.');
    try {
      await this.db.query('select 1');
    } catch {
      throw new AppError('DATABASE_UNAVAILABLE', 'The database does not answer.');
    }
    return { status: 'ok', database: this.db.kind };
  }
}
