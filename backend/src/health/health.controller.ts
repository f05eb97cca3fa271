import { Controller, Get, HttpCode } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/public.decorator.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { AppError } from '../common/app-error.js';
import { Draining } from '../common/draining.js';
import { Database } from '../database/database.js';

/** An orchestrator probe gives up after a few seconds (Kubernetes: 1 s by default); answer before it does. */
const READY_TIMEOUT_MS = 2000;

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
    // An orchestrator's probe gives up after a second or few: answer before it does, and
    // truthfully, even when the database hangs instead of refusing.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('readiness check timed out')), READY_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.db.query('select 1'), late]);
    } catch {
      throw new AppError('DATABASE_UNAVAILABLE', 'The database does not answer.');
    } finally {
      clearTimeout(timer);
    }
    return { status: 'ok', database: this.db.kind };
  }
}
