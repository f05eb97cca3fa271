import type { Request } from 'express';
import { bearerToken } from './bearer-token.js';

const withAuthorization = (authorization?: string) => ({ headers: { authorization } }) as Request;

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc', 'abc'],
    ['BEARER   abc', 'abc'],
    ['Bearer abc trailing', 'abc'],
  ])('reads %j', (header, token) => expect(bearerToken(withAuthorization(header))).toBe(token));

  it.each([undefined, '', 'Bearer', 'Bearer ', 'Token abc', 'Basic dXNlcjpwYXNz'])('finds none in %j', (header) =>
    expect(bearerToken(withAuthorization(header))).toBeUndefined(),
  );
});
