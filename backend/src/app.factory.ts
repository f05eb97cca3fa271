import 'reflect-metadata';
import { existsSync } from 'node:fs';
import type { Server, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppOptions } from './app.module.js';
import { hardenHttpServer } from './common/http-server.js';
import { jsonBodyParser } from './common/json-body.js';
import { createValidationPipe } from './common/validation.js';
import type { AppConfig } from './config/app-config.js';
import { corsOriginCheck } from './config/cors-origins.js';
import { setupOpenApi } from './openapi.js';

const WIDGET_DIST = fileURLToPath(new URL('../../widget/dist', import.meta.url));
const DEMO_SITE = fileURLToPath(new URL('../../widget/demo', import.meta.url));
const ADMIN_DIST = fileURLToPath(new URL('../../widget/dist-admin', import.meta.url));

/** The strict policy the demo page runs under, to show the widget needs nothing looser. */
const DEMO_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src blob:; " +
  "connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

/**
 * The dashboard's policy: its own scripts, styles and API only (uPlot draws on a canvas and sizes
 * it through the CSSOM, which style-src does not govern), never framed, nothing cached.
 */
const ADMIN_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

/**
 * Builds the whole application (not yet listening): used by main.ts and the e2e tests alike.
 * `config` needs no second check: AppConfig.fromEnvironment, the only way to make one, refused it if it had a problem.
 */
export async function createApp(config: AppConfig, options: AppOptions = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, options),
    new ExpressAdapter(),
    {
      bufferLogs: true,
      bodyParser: false,
    },
  );
  app.useLogger(app.get(Logger));
  hardenHttpServer(app.getHttpServer() as Server, config);
  // Size per route and a nesting-depth check on the raw bytes, before anything parses or transforms.
  app.use(jsonBodyParser());
  app.disable('x-powered-by');
  // A user's chats are nobody else's: no browser (or proxy) cache keeps an API answer, so a shared
  // computer's disk cache holds none. Without a cache, an ETag (a hash of every body) serves nothing.
  app.set('etag', false);
  app.use('/api', (_req: unknown, res: ServerResponse, next: () => void) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  // The client address (req.ip) that per-address limits count: X-Forwarded-For only from configured proxies.
  app.set('trust proxy', config.http.trustProxy);
  app.useGlobalPipes(createValidationPipe());
  // After a clean shutdown, exit 0 (not by re-raising the signal, which reads as 143), once pino has flushed.
  app.enableShutdownHooks(undefined, { useProcessExit: true });

  const corsLogger = new NestLogger('Cors');
  for (const note of config.notes) corsLogger.warn(note);
  const origins = config.http.corsOrigins;
  app.enableCors({
    origin: origins.includes('*')
      ? '*'
      : corsOriginCheck(origins, (origin) =>
          corsLogger.warn(
            `refused a browser request from origin ${JSON.stringify(origin).slice(0, 300)}: not in CORS_ORIGINS (${origins.join(', ')})`,
          ),
        ),
    methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Accept', 'Idempotency-Key', 'X-Request-Id', 'Last-Event-ID'],
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'],
    maxAge: 600,
  });

  // The embeddable script and its lazy chunks, loadable from any site (module chunks need CORS).
  if (existsSync(WIDGET_DIST)) {
    app.useStaticAssets(WIDGET_DIST, {
      prefix: '/widget/',
      maxAge: '5m',
      setHeaders: (res: ServerResponse) => res.setHeader('Access-Control-Allow-Origin', '*'),
    });
  }
  if (config.demoMode && existsSync(DEMO_SITE)) {
    app.useStaticAssets(DEMO_SITE, {
      prefix: '/demo/',
      setHeaders: (res: ServerResponse) => {
        res.setHeader('Content-Security-Policy', DEMO_CSP);
        res.setHeader('Cache-Control', 'no-cache');
      },
    });
  }

  // The dashboard is served whatever the settings: the page holds no data, the admin API guards it.
  if (existsSync(ADMIN_DIST)) {
    app.use('/admin', (req: { originalUrl: string }, res: ServerResponse, next: () => void) => {
      if (req.originalUrl !== '/admin') return next();
      res.writeHead(308, { Location: '/admin/' }).end();
    });
    app.useStaticAssets(ADMIN_DIST, {
      prefix: '/admin/',
      setHeaders: (res: ServerResponse) => {
        res.setHeader('Content-Security-Policy', ADMIN_CSP);
        res.setHeader('Cache-Control', 'no-cache');
        res.setHeader('Referrer-Policy', 'no-referrer');
        res.setHeader('X-Content-Type-Options', 'nosniff');
      },
    });
  }

  setupOpenApi(app);
  return app;
}
