import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { RateLimitsService } from './rate-limits.service.js';
import { SEND_BUDGET } from './send-budget.decorator.js';

/**
 * Global guard, after JwtAuthGuard: charges every authenticated request to its user's budget
 * (and sends to the sends budget too), so every route shares one budget per user and a new
 * controller cannot forget it. The remaining budget goes out as RateLimit-* headers.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limits: RateLimitsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    // No user: the route is @Public(), and charges no one.
    const user = http.getRequest<Request & { user?: { id: string } }>().user;
    if (!user) return true;
    const send =
      this.reflector.getAllAndOverride<boolean | undefined>(SEND_BUDGET, [context.getHandler(), context.getClass()]) ??
      false;
    const headers = await this.limits.chargeUser(user.id, { send });
    const res = http.getResponse<Response>();
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    return true;
  }
}
