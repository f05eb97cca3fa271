import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** The OpenAPI document at /openapi.json and its UI at /docs, for integrators. */
export function setupOpenApi(app: INestApplication): void {
  const doc = new DocumentBuilder()
    .setTitle('Pulse API')
    .setDescription(
      'Chat sessions, messages and AI answers for the Pulse widget and for integrators. ' +
        'Every endpoint except /health, /health/ready and /api/auth/token needs `Authorization: Bearer <JWT>` ' +
        "whose `sub` is the user's public.users id. Errors are `{ statusCode, code, message, requestId }` " +
        'with a stable `code`. Authenticated endpoints share one rate budget per user (429 RATE_LIMITED with ' +
        'Retry-After; RateLimit-* headers on every answer), and repeated failed authentication from one address ' +
        'gets 429 TOO_MANY_AUTH_FAILURES.',
    )
    .setVersion('1.0.0')
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, doc);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
}
