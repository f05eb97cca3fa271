import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { PUBLIC_EXTENSION } from './auth/public.decorator.js';
import { UI_MESSAGE_STREAM_SCHEMAS } from './streams/dto/ui-message-stream.schema.js';
import {
  errorResponses,
  type OperationObject,
  type ResponseObject,
  type SchemaObject,
} from './common/api-errors.decorator.js';
import { ERROR_CODES, type ErrorCode } from './common/app-error.js';

/** The error body every refusal has (HttpErrorFilter); `code` lists every code there is. */
const ERROR_SCHEMAS: Record<string, SchemaObject> = {
  Error: {
    type: 'object',
    required: ['statusCode', 'code', 'message', 'requestId'],
    properties: {
      statusCode: { type: 'integer', example: 404 },
      code: { type: 'string', enum: ERROR_CODES, description: 'Stable and machine-readable: branch on this.' },
      message: { type: 'string', description: 'For people; may change.' },
      requestId: { type: 'string', description: 'Also in the X-Request-Id header and the server log.' },
      field: { type: 'string', description: 'The request field at fault, where there is one.' },
      errors: { type: 'array', items: { $ref: '#/components/schemas/FieldError' } },
    },
  },
  FieldError: {
    type: 'object',
    required: ['field', 'code', 'message'],
    properties: { field: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } },
  },
};

/** Refusals that do not depend on the operation, added to each so that no list can miss one. */
function sharedErrors(op: OperationObject): ErrorCode[] {
  const codes: ErrorCode[] = ['INTERNAL_ERROR'];
  // Every authenticated route spends the user's rate budget, and failed authentication is limited per address.
  const authenticated = op.security?.length !== 0;
  if (authenticated) {
    codes.push('UNAUTHORIZED', 'TOKEN_EXPIRED', 'USER_NOT_FOUND', 'RATE_LIMITED', 'TOO_MANY_AUTH_FAILURES');
  }
  if (op.requestBody) codes.push('VALIDATION_FAILED', 'MALFORMED_JSON', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE');
  return codes;
}

/** The codes an operation's @ApiErrors already named, read back from its responses. */
function declaredErrors(op: OperationObject): ErrorCode[] {
  return Object.values(op.responses).flatMap((r) => {
    const schema = (r as ResponseObject | undefined)?.content?.['application/json']?.schema as SchemaObject | undefined;
    const narrowed = schema?.allOf?.[1] as SchemaObject | undefined;
    return ((narrowed?.properties?.code as SchemaObject | undefined)?.enum as ErrorCode[] | undefined) ?? [];
  });
}

/**
 * The document as integrators get it at /openapi.json; builds without a database or a listening server.
 * @public scripts/write-openapi.mjs imports it from the build.
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Pulse API')
    .setDescription(
      'Chat sessions, messages and AI answers for the Pulse widget and for integrators. ' +
        'Every endpoint except /health, /health/ready and /api/auth/token needs `Authorization: Bearer <JWT>` ' +
        'whose `sub` names the signed-in user (a UUID is used as is; any other id is mapped to a UUIDv5 over issuer ' +
        'and sub). Errors are the `Error` schema, `{ statusCode, code, message, requestId }`, with a stable `code`. ' +
        'Authenticated endpoints share one rate budget per user (429 RATE_LIMITED with ' +
        'Retry-After; RateLimit-* headers on every answer), and repeated failed authentication from one address ' +
        'gets 429 TOO_MANY_AUTH_FAILURES. A token must be a well-formed JWT (else 401 TOKEN_MALFORMED) with ' +
        'an `exp` claim (else 401 TOKEN_WITHOUT_EXPIRY, unless JWT_REQUIRE_EXP=false). JSON bodies nest at most ' +
        '32 levels (400 BODY_TOO_DEEP) and are at most 256 KB for a send, 64 KB elsewhere (413 ' +
        'PAYLOAD_TOO_LARGE); a request that arrives too slowly is 408 REQUEST_TIMEOUT.',
    )
    .setVersion('1.0.0')
    .addServer('/', 'The Pulse server that serves this document')
    .addBearerAuth()
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...ERROR_SCHEMAS, ...UI_MESSAGE_STREAM_SCHEMAS },
  };
  for (const path of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const op = path[method];
      if (!op) continue;
      // The document asks for a bearer token everywhere (as the global guard does) but on @Public() routes.
      if (PUBLIC_EXTENSION in op) {
        delete (op as Record<string, unknown>)[PUBLIC_EXTENSION];
        op.security = [];
      }
      const codes = [...declaredErrors(op), ...sharedErrors(op)];
      const responses = op.responses;
      for (const { status, description, content } of errorResponses(codes)) {
        responses[String(status)] = { description, content };
      }
    }
  }
  return document;
}

/** The OpenAPI document at /openapi.json and its UI at /docs, for integrators. */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, createOpenApiDocument(app), { jsonDocumentUrl: 'openapi.json' });
}
