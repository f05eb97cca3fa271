import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppError, type ErrorCode } from './app-error.js';
import { assignRequestId, redactUrl } from './logging.js';

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
  requestId: string;
  field?: string;
  errors?: unknown[];
  session_id?: string;
  user_message_id?: string;
}

/** Names a lower layer's own failure (a lost database connection) as one of our errors, or passes. */
type ErrorTranslation = (err: unknown) => AppError | undefined;

const translations = new Set<ErrorTranslation>();

/**
 * Teaches toErrorBody a failure only a lower layer can recognise: the database module registers
 * its "unreachable, retry later" here, so common imports nothing from the layers it serves.
 */
export function translateErrors(translation: ErrorTranslation): void {
  translations.add(translation);
}

function translated(exception: unknown): unknown {
  if (exception instanceof AppError) return exception;
  for (const translation of translations) {
    const named = translation(exception);
    if (named) return named;
  }
  return exception;
}

/** The one JSON shape of an error, pure: the filter sends it, a stream that already started writes it as parts. */
export function toErrorBody(exception: unknown, requestId: string): ErrorBody {
  exception = translated(exception);
  if (exception instanceof AppError) {
    return {
      statusCode: exception.status,
      code: exception.code,
      message: exception.message,
      requestId,
      ...exception.details,
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    // Nest hands body-parser's errors over wrapped, the original (with its `type`) as the cause.
    if (status === 400 && (exception.cause as { type?: string } | undefined)?.type === 'entity.too.deep') {
      return { statusCode: 400, code: 'BODY_TOO_DEEP', message: exception.message, requestId };
    }
    const parseFailure = status === 400 && /JSON/i.test(exception.message);
    const code: ErrorCode = parseFailure ? 'MALFORMED_JSON' : (CODE_BY_STATUS[status] ?? 'INTERNAL_ERROR');
    const message =
      status === 404 ? 'No such route.' : parseFailure ? 'The request body is not valid JSON.' : exception.message;
    return { statusCode: status >= 500 ? 500 : status, code, message, requestId };
  }
  // `throw null` reaches here too, hence the optional chain.
  const status = (exception as { status?: number } | null | undefined)?.status;
  if (status === 413)
    return { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large.', requestId };
  if (status === 400 && (exception as { type?: string }).type === 'entity.parse.failed') {
    return { statusCode: 400, code: 'MALFORMED_JSON', message: 'The request body is not valid JSON.', requestId };
  }
  if (status === 415)
    return { statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported content type.', requestId };
  return { statusCode: 500, code: 'INTERNAL_ERROR', message: 'Something went wrong on our side.', requestId };
}

/** Maps every error to the one JSON shape; unknown errors leak nothing but the request id. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request & { id?: string }>();
    const res = ctx.getResponse<Response>();
    // The body parser runs before the request logger, so a body it refuses has no id yet.
    const early = !req.id;
    const requestId = req.id ? String(req.id) : res.headersSent ? '' : assignRequestId(req, res);
    const body = toErrorBody(exception, requestId);
    if (early && body.statusCode < 500) {
      // The request logger never saw this request: one line of our own, no stack.
      this.logger.log(
        {
          requestId,
          method: req.method,
          url: redactUrl(req.originalUrl),
          statusCode: body.statusCode,
          code: body.code,
        },
        'request refused before routing',
      );
    }
    if (body.code === 'DATABASE_UNAVAILABLE' && !(exception instanceof AppError)) {
      // Expected while the database restarts: one line, no stack.
      this.logger.warn({ requestId: body.requestId, cause: String(exception) }, 'database unavailable');
    } else if (body.statusCode >= 500 && !(exception instanceof AppError)) {
      this.logger.error({ err: exception, requestId: body.requestId }, 'unhandled error');
    }
    if (res.headersSent) {
      // A streamed response already started; the stream reports its own errors.
      res.end();
      return;
    }
    if (exception instanceof AppError) {
      for (const [name, value] of Object.entries(exception.headers ?? {})) res.setHeader(name, value);
    }
    res.status(body.statusCode).json(body);
  }
}
