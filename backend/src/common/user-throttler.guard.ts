import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppConfig } from '../config/app-config.js';
import { REDIS } from '../redis/redis.module.js';
import { AppError } from './app-error.js';

/**
 * Rate limit per signed-in user (RATE_LIMIT_PER_MINUTE), not per IP: many visitors of
 * one site may share an address, and one user must not exhaust the model for all.
 * Bound on the controllers, so it runs after the global JWT guard has set req.user.
 * With REDIS_URL the count lives in Redis, so the limit holds across every replica;
 * without it, in this process's memory.
 */
@Injectable()
export class UserThrottlerGuard implements CanActivate {
  private readonly limiter?: RateLimiterMemory | RateLimiterRedis;

  constructor(config: AppConfig, @Inject(REDIS) redis: Redis | null) {
    const points = config.env.RATE_LIMIT_PER_MINUTE;
    if (points <= 0) return;
    this.limiter = redis
      ? new RateLimiterRedis({ storeClient: redis, points, duration: 60, keyPrefix: 'rate' })
      : new RateLimiterMemory({ points, duration: 60 });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.limiter) return true;
    const req = context.switchToHttp().getRequest<Request & { user?: { id: string } }>();
    const res = context.switchToHttp().getResponse<Response>();
    const key = req.user ? `user:${req.user.id}` : `ip:${req.ip}`;
    try {
      await this.limiter.consume(key);
      return true;
    } catch (rejected) {
      if (!(rejected instanceof RateLimiterRes)) throw rejected;
      res.setHeader('Retry-After', String(Math.ceil(rejected.msBeforeNext / 1000)));
      throw new AppError('RATE_LIMITED', 'Too many requests; slow down and retry in a minute.');
    }
  }
}
