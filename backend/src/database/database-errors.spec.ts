import { AppError } from '../common/app-error.js';
import { toErrorBody, translateErrors } from '../common/http-error.filter.js';
import { asDatabaseUnavailable, isDatabaseUnavailable } from './database-errors.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a reset socket', withCode('ECONNRESET', 'read ECONNRESET')],
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['pg_terminate_backend', withCode('57P01', 'terminating connection due to administrator command')],
    ['a crash shutdown', withCode('57P02')],
    ['a server starting up', withCode('57P03', 'the database system is starting up')],
    ['too many connections', withCode('53300')],
    ['a connection exception (class 08)', withCode('08006')],
    ['statement_timeout', withCode('57014', 'canceling statement due to statement timeout')],
    ['idle_in_transaction_session_timeout', withCode('25P03')],
    ['the client-side statement guard', new Error('Query read timeout')],
    ['a connect timeout', new Error('timeout expired')],
    ['waiting too long for a pooled connection', new Error('timeout exceeded when trying to connect')],
    ['a closed PGlite', new Error('PGlite is closed')],
    ['a cause chain', new Error('wrapped', { cause: withCode('ECONNRESET') })],
    ['our own 503', new AppError('DATABASE_UNAVAILABLE', 'down')],
  ])('is true for %s', (_, err) => expect(isDatabaseUnavailable(err)).toBe(true));

  it.each([
    ['a unique violation', withCode('23505')],
    ['a foreign-key violation', withCode('23503')],
    ['a syntax error', withCode('42601')],
    ['a plain bug', new TypeError('x is undefined')],
    ['another AppError', new AppError('SESSION_NOT_FOUND', 'gone')],
    ['not an error', 'ECONNRESET'],
    ['nothing', undefined],
  ])('is false for %s', (_, err) => expect(isDatabaseUnavailable(err)).toBe(false));
});

describe('asDatabaseUnavailable, registered with the error filter', () => {
  beforeAll(() => translateErrors(asDatabaseUnavailable));

  it('makes a lost connection a 503 DATABASE_UNAVAILABLE body', () => {
    expect(toErrorBody(withCode('57P01'), 'req-1')).toEqual({
      statusCode: 503,
      code: 'DATABASE_UNAVAILABLE',
      message: 'The database is not reachable right now. Please retry shortly.',
      requestId: 'req-1',
    });
  });

  it('leaves a refused statement a 500 and our own errors as they are', () => {
    expect(toErrorBody(withCode('23505'), 'req-2')).toMatchObject({ statusCode: 500, code: 'INTERNAL_ERROR' });
    expect(toErrorBody(new AppError('SESSION_NOT_FOUND', 'gone'), 'req-3')).toMatchObject({
      statusCode: 404,
      code: 'SESSION_NOT_FOUND',
    });
  });
});
