import { applyDecorators } from '@nestjs/common';
import { ApiResponse, type OpenAPIObject } from '@nestjs/swagger';
import { ERROR_STATUS, type ErrorCode } from './app-error.js';

// @nestjs/swagger exports the document's type but not its parts' types.
type Schemas = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>;
export type SchemaObject = Exclude<Schemas[string], { $ref: string }>;
export type OperationObject = NonNullable<OpenAPIObject['paths'][string]['get']>;
export type ResponseObject = Exclude<OperationObject['responses'][string], { $ref: string }>;

const ERROR_SCHEMA_REF = '#/components/schemas/Error';

/**
 * Documents the refusals an operation can answer with: one response per status, whose body is
 * the `Error` schema with `code` narrowed to the codes named. Refusals every route shares
 * (authentication, rate limit, body parsing, 500) are added by `openapi.ts` for all of them.
 */
export function ApiErrors(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...errorResponses(codes).map((r) => ApiResponse(r)));
}

export function errorResponses(codes: readonly ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes))
    byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  return [...byStatus].map(([status, list]) => ({
    status,
    description: list.map((c) => `\`${c}\``).join(', '),
    content: {
      'application/json': {
        schema: {
          allOf: [{ $ref: ERROR_SCHEMA_REF }, { type: 'object' as const, properties: { code: { enum: list } } }],
        },
      },
    },
  }));
}
