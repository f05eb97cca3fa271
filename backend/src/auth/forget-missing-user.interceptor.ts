import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { catchError, type Observable, throwError } from 'rxjs';
import { AppError } from '../common/app-error.js';
import type { AuthUser } from './auth-user.js';
import { UsersService } from './users.service.js';

/**
 * When a request finds its user gone (USER_NOT_FOUND, e.g. deleted from public.users while
 * the check that they exist was cached), the cached check is dropped, so the next request
 * asks the database again instead of trusting it for the rest of its lifetime.
 */
@Injectable()
export class ForgetMissingUserInterceptor implements NestInterceptor {
  constructor(private readonly users: UsersService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((err: unknown) => {
        const user = context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
        if (user && err instanceof AppError && err.code === 'USER_NOT_FOUND') this.users.forget(user.id);
        return throwError(() => err);
      }),
    );
  }
}
