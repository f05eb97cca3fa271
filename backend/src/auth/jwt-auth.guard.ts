import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import jwt from 'jsonwebtoken';
import { AppError } from '../common/app-error.js';
import { IS_PUBLIC } from './public.decorator.js';

/** Global guard: every route needs a valid bearer token unless marked @Public(). */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  canActivate(context: ExecutionContext) {
    const open = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    return open ? true : super.canActivate(context);
  }

  handleRequest<T>(err: unknown, user: T, info: unknown): T {
    if (err instanceof AppError) throw err;
    if (user && !err) return user;
    const cause = err ?? info;
    // A token refused while its key was picked (TOKEN_MALFORMED) arrives as `info`.
    if (cause instanceof AppError) throw cause;
    if (cause instanceof jwt.TokenExpiredError) throw new AppError('TOKEN_EXPIRED', 'The token has expired.');
    if (cause instanceof jwt.JsonWebTokenError || cause instanceof jwt.NotBeforeError) {
      throw new AppError('UNAUTHORIZED', 'The token is invalid.');
    }
    throw new AppError('UNAUTHORIZED', 'A bearer token is required.');
  }
}
