import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { AppConfig } from '../config/app-config.js';

const SAFE_ID = /^[A-Za-z0-9._-]{1,64}$/;
// Query parameters that could carry a secret if a client misuses them; never logged.
const SECRET_PARAMS = /([?&](?:token|access_token|jwt|api_key|apikey|key)=)[^&]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[redacted]');
}

/** The caller's X-Request-Id when it is safe to echo, else a fresh one; set on the response. */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && SAFE_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader('x-request-id', id);
  return id;
}

/** One JSON line per request with its id; headers that carry credentials never reach the log. */
export function loggerParams(config: AppConfig, stream?: DestinationStream): Params {
  return {
    pinoHttp: [
      {
        level: config.logLevel,
        genReqId: assignRequestId,
        serializers: {
          req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({
            id: req.id,
            method: req.method,
            url: redactUrl(req.url),
            remoteAddress: req.remoteAddress,
          }),
          res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        },
        redact: {
          paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', '*.token', '*.jwt'],
          censor: '[redacted]',
        },
        customProps: (req: IncomingMessage & { user?: { id?: string } }) =>
          req.user?.id ? { userId: req.user.id } : {},
        // Probes come every second from each balancer and orchestrator; their line would drown the rest.
        autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health' || req.url === '/health/ready' },
      },
      ...(stream ? [stream] : []),
    ] as unknown as Params['pinoHttp'],
  };
}
