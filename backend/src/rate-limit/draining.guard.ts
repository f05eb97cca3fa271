import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Draining, shuttingDown } from '../common/draining.js';
import { SEND_BUDGET } from './send-budget.decorator.js';

/**
 * Global guard, after JwtAuthGuard and before RateLimitGuard: while this process drains, a
 * send is refused before it is charged, since the balancer retries it on another replica,
 * which charges it once.
 */
@Injectable()
export class DrainingGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly draining: Draining,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.draining.active) return true;
    const send = this.reflector.getAllAndOverride<boolean | undefined>(SEND_BUDGET, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (send) throw shuttingDown();
    return true;
  }
}
