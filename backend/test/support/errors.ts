import type { Response } from 'supertest';

/**
 * Asserts the one error shape of the API: `{ statusCode, code, message, requestId }`,
 * the request id matching the response header, and, when given, the offending field.
 */
export function expectError(res: Response, status: number, code: string, field?: string): void {
  expect({ status: res.status, code: res.body?.code, field: res.body?.field }).toEqual({
    status,
    code,
    field: field ?? res.body?.field,
  });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual(
    expect.objectContaining({
      statusCode: status,
      code,
      message: expect.any(String),
      requestId: expect.any(String),
    }),
  );
  expect(res.body.message.length).toBeGreaterThan(0);
  expect(res.body.requestId).toBe(res.headers['x-request-id']);
}
