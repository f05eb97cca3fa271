import { createParamDecorator, Injectable, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import type { Request } from 'express';
import { AppError } from '../common/app-error.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The request's `Idempotency-Key` header (Nest's `@Headers()` takes no pipes). */
export const IdempotencyKeyHeader = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined =>
  ctx.switchToHttp().getRequest<Request>().get('idempotency-key'),
);

/** A malformed key is a 400 naming the header, before anything is claimed or stored. */
@Injectable()
export class IdempotencyKeyPipe implements PipeTransform<string | undefined, string | undefined> {
  transform(value: string | undefined): string | undefined {
    if (value !== undefined && !IDEMPOTENCY_KEY.test(value)) {
      throw new AppError('VALIDATION_FAILED', 'Idempotency-Key must be 1 to 255 visible ASCII characters.', {
        field: 'Idempotency-Key',
      });
    }
    return value;
  }
}
