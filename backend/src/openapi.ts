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
        'gets 429 TOO_MANY_AUTH_FAILURES. A token must be a well-formed JWT (else 401 TOKEN_MALFORMED) with ' +
        'an `exp` claim (else 401 TOKEN_WITHOUT_EXPIRY, unless JWT_REQUIRE_EXP=false). JSON bodies nest at most ' +
        '32 levels (400 BODY_TOO_DEEP) and are at most 256 KB for a send, 64 KB elsewhere (413 ' +
        'PAYLOAD_TOO_LARGE); a request that arrives too slowly is 408 REQUEST_TIMEOUT.',
    )
    .setVersion('1.0.0')
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, doc);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
}
