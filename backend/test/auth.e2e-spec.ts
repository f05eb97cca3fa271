import { newUserId, signToken, TEST_SECRET, unsignedToken } from '@pulse/testkit';
import { jest } from '@jest/globals';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import request from 'supertest';
import { userIdFor } from '../src/auth/user-id.js';
import { expectError } from './support/errors.js';
import { type TestApp, useTestApp } from './support/test-app.js';

// Starting an app takes seconds on a loaded 2-core machine; the project-level testTimeout does not reach hooks.
jest.setTimeout(30_000);

const SESSIONS = '/api/chat/sessions';
const API_KEY = 'integrator-api-key-0123456789abcdef';
const nowSeconds = () => Math.floor(Date.now() / 1000);
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const b64url = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** An HS256 token made by hand, so the HMAC key can be any bytes (jose would refuse a public key). */
function hmacToken(key: string | Buffer, payload: object, header: object = { alg: 'HS256', typ: 'JWT' }): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

async function signWith(key: CryptoKey, alg: string, kid: string | undefined, sub: string): Promise<string> {
  return new SignJWT({ role: 'authenticated' })
    .setProtectedHeader({ alg, typ: 'JWT', ...(kid ? { kid } : {}) })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(key);
}

async function userRowExists(t: TestApp, id: string): Promise<boolean> {
  return (await t.db.query('select 1 from public.users where id = $1', [id])).rows.length === 1;
}

describe('auth: HS256 with the shared secret', () => {
  const t = useTestApp();
  let user: Awaited<ReturnType<TestApp['user']>>;
  beforeAll(async () => {
    user = await t.user();
  });

  const get = (headers: Record<string, string> = {}) => request(t.url).get(SESSIONS).set(headers);

  it('accepts a valid token', async () => {
    const res = await get(user.auth).expect(200);
    expect(res.body).toEqual({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
  });

  it('refuses a request without a token', async () => {
    expectError(await get(), 401, 'UNAUTHORIZED');
  });

  it.each([
    ['another scheme', `Token ${'x'}`, 'UNAUTHORIZED'],
    ['a bare Bearer', 'Bearer', 'UNAUTHORIZED'],
    ['a token that is not a JWT', 'Bearer not-a-jwt', 'TOKEN_MALFORMED'],
    ['three garbage segments', 'Bearer a.b.c', 'TOKEN_MALFORMED'],
  ])('refuses a malformed Authorization header: %s', async (_name, header, code) => {
    expectError(await get({ Authorization: header }), 401, code);
  });

  it('refuses an expired token with TOKEN_EXPIRED', async () => {
    const token = await signToken(user.id, { expiresIn: nowSeconds() - 120 });
    expectError(await get(bearer(token)), 401, 'TOKEN_EXPIRED');
  });

  it('accepts a token expired within the clock tolerance (5 s ago, 30 s allowed)', async () => {
    const token = await signToken(user.id, { expiresIn: nowSeconds() - 5 });
    await get(bearer(token)).expect(200);
  });

  it('refuses a token signed with another secret', async () => {
    const token = await signToken(user.id, { secret: 'some-other-secret-that-is-long-enough-42' });
    expectError(await get(bearer(token)), 401, 'UNAUTHORIZED');
  });

  it('refuses a valid token whose signature was altered', async () => {
    const [h, p, s] = user.token.split('.');
    const flipped = `${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`;
    expectError(await get(bearer(`${h}.${p}.${flipped}`)), 401, 'UNAUTHORIZED');
  });

  it('refuses a valid payload re-signed under another sub', async () => {
    const [h, , s] = user.token.split('.');
    const forged = b64url({ sub: newUserId(), role: 'authenticated', exp: nowSeconds() + 600 });
    expectError(await get(bearer(`${h}.${forged}.${s}`)), 401, 'UNAUTHORIZED');
  });

  it('refuses alg: none', async () => {
    expectError(await get(bearer(unsignedToken(user.id))), 401, 'UNAUTHORIZED');
  });

  it('refuses HS512 when HS256 is configured, even with the right secret', async () => {
    const token = await signToken(user.id, { alg: 'HS512' });
    expectError(await get(bearer(token)), 401, 'UNAUTHORIZED');
  });

  it('refuses an RS256 token when no key set is configured', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    expectError(await get(bearer(await signWith(privateKey, 'RS256', 'k1', user.id))), 401, 'UNAUTHORIZED');
  });

  it.each([
    ['no sub', { subject: null }],
    ['an empty sub', { subject: '' }],
    ['a blank sub', { subject: '   ' }],
    ['a sub over 255 characters', { subject: 'x'.repeat(256) }],
    ['a numeric sub', { subject: null, claims: { sub: 12345 } }],
  ])('refuses a token with %s, saying what sub must be', async (_name, opts) => {
    const res = await get(bearer(await signToken(user.id, opts)));
    expectError(res, 401, 'UNAUTHORIZED');
    expect(res.body.message).toMatch(/`sub` claim .*non-empty string of at most 255/);
  });

  it.each(['user-123', '12345', `${randomUUID()}x`])(
    'maps a sub that is not a UUID (%s) to a user id of its own: unknown until registered',
    async (sub) => {
      expectError(await get(bearer(await signToken(sub))), 403, 'USER_NOT_FOUND');
      await t.db.query('insert into public.users (id) values ($1)', [userIdFor(undefined, sub)]);
      await get(bearer(await signToken(sub))).expect(200);
    },
  );

  it('answers 403 USER_NOT_FOUND for a valid token of a user missing from public.users', async () => {
    const stranger = newUserId();
    expectError(await get(bearer(await t.token(stranger))), 403, 'USER_NOT_FOUND');
    expect(await userRowExists(t, stranger)).toBe(false);
  });

  it('accepts an upper-case sub as the same user', async () => {
    const created = await request(t.url).post(SESSIONS).set(user.auth).send({}).expect(201);
    const upper = await t.token(user.id.toUpperCase());
    const res = await get(bearer(upper)).expect(200);
    expect(res.body.data.map((s: { id: string }) => s.id)).toContain(created.body.id);
  });

  it('has token minting switched off without PULSE_API_KEY', async () => {
    const res = await request(t.url).post('/api/auth/token').set('X-Api-Key', API_KEY).send({ user_id: newUserId() });
    expectError(res, 404, 'NOT_FOUND');
  });
});

describe('auth: issuer, audience, auto-provisioning and token minting', () => {
  const ISSUER = 'https://shop.example/auth';
  const AUDIENCE = 'pulse-widget';
  const t = useTestApp({
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    AUTO_PROVISION_USERS: 'true',
    PULSE_API_KEY: API_KEY,
    JWT_EXPIRE_MINUTES: '45',
  });

  const get = (token: string) => request(t.url).get(SESSIONS).set(bearer(token));

  it('accepts a token with the configured issuer and audience', async () => {
    const id = newUserId();
    await get(await t.token(id, { issuer: ISSUER, audience: AUDIENCE })).expect(200);
  });

  it.each([
    ['no issuer', { audience: AUDIENCE }],
    ['another issuer', { issuer: 'https://evil.example', audience: AUDIENCE }],
    ['no audience', { issuer: ISSUER }],
    ['another audience', { issuer: ISSUER, audience: 'someone-else' }],
  ])('refuses a token with %s', async (_name, opts) => {
    expectError(await get(await t.token(newUserId(), opts)), 401, 'UNAUTHORIZED');
  });

  it('registers an unknown user of a valid token when AUTO_PROVISION_USERS=true', async () => {
    const id = newUserId();
    expect(await userRowExists(t, id)).toBe(false);
    await get(await t.token(id, { issuer: ISSUER, audience: AUDIENCE })).expect(200);
    expect(await userRowExists(t, id)).toBe(true);
  });

  describe('POST /api/auth/token', () => {
    const mint = (body: object, key?: string) => {
      const req = request(t.url).post('/api/auth/token');
      return (key === undefined ? req : req.set('X-Api-Key', key)).send(body);
    };

    it('refuses a missing API key', async () => {
      expectError(await mint({ user_id: newUserId() }), 401, 'INVALID_API_KEY');
    });

    it.each([`${API_KEY}x`, API_KEY.slice(0, -1), 'short'])('refuses a wrong API key (%s)', async (key) => {
      const id = newUserId();
      expectError(await mint({ user_id: id }, key), 401, 'INVALID_API_KEY');
      expect(await userRowExists(t, id)).toBe(false);
    });

    it('mints a working token for the user and registers the user', async () => {
      const id = newUserId();
      const res = await mint({ user_id: id, email: 'ada@shop.example', display_name: 'Ada' }, API_KEY).expect(200);
      expect(res.body).toEqual({
        token: expect.any(String),
        token_type: 'Bearer',
        user_id: id,
        expires_in: 45 * 60,
        expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      const claims = decodeJwt(res.body.token);
      expect(claims.exp! - claims.iat!).toBe(45 * 60);
      expect(claims).toEqual(expect.objectContaining({ sub: id, iss: ISSUER, aud: AUDIENCE }));
      expect(Math.abs(Date.parse(res.body.expires_at) / 1000 - claims.exp!)).toBeLessThanOrEqual(2);

      const row = await t.db.query('select email, display_name from public.users where id = $1', [id]);
      expect(row.rows).toEqual([{ email: 'ada@shop.example', display_name: 'Ada' }]);

      const created = await request(t.url)
        .post(SESSIONS)
        .set(bearer(res.body.token))
        .send({ title: 'Minted' })
        .expect(201);
      const listed = await get(res.body.token).expect(200);
      expect(listed.body.data.map((s: { id: string }) => s.id)).toEqual([created.body.id]);
    });

    it('keeps an existing user row when minting again', async () => {
      const id = newUserId();
      await mint({ user_id: id, display_name: 'First' }, API_KEY).expect(200);
      await mint({ user_id: id, display_name: 'Second' }, API_KEY).expect(200);
      const row = await t.db.query('select display_name from public.users where id = $1', [id]);
      expect(row.rows).toEqual([{ display_name: 'First' }]);
    });

    it.each([
      ['no user_id', {}, 'user_id'],
      ['an empty user_id', { user_id: '' }, 'user_id'],
      ['a user_id over 255 characters', { user_id: 'x'.repeat(256) }, 'user_id'],
      ['a user_id that is not a string', { user_id: 42 }, 'user_id'],
      ['a bad email', { user_id: randomUUID(), email: 'not-an-email' }, 'email'],
      ['an oversize display_name', { user_id: randomUUID(), display_name: 'x'.repeat(201) }, 'display_name'],
      ['an unknown field', { user_id: randomUUID(), role: 'admin' }, 'role'],
    ])('answers 400 naming the field for %s', async (_name, body, field) => {
      expectError(await mint(body, API_KEY), 400, 'VALIDATION_FAILED', field);
    });
  });
});

describe('auth: RS256 and ES256 keys from a JWKS endpoint', () => {
  let jwksServer: Server;
  let jwksUrl: string;
  let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
  let ec: { privateKey: CryptoKey; publicKey: CryptoKey };
  let rsaJwk: JWK;
  let rsaPem: string;

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256');
    ec = await generateKeyPair('ES256');
    rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
    rsaPem = await exportSPKI(rsa.publicKey);
    const ecJwk = { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' };
    const body = JSON.stringify({ keys: [rsaJwk, ecJwk] });
    jwksServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => jwksServer.close(() => resolve())));

  /** Algorithm confusion: HS256 tokens whose HMAC key is the public key, in each form an attacker might try. */
  const confusionKeys = () =>
    [
      ['the PEM', rsaPem],
      ['the PEM without its trailing newline', rsaPem.trimEnd()],
      ['the JWK JSON', JSON.stringify(rsaJwk)],
      ['the modulus bytes', Buffer.from(rsaJwk.n!, 'base64url')],
    ] as const;

  describe.each([
    ['alongside the HS256 secret', {}],
    ['as the only way to verify (RS256, no secret)', { JWT_ALGORITHM: 'RS256', JWT_SECRET_KEY: '' }],
  ])('with the key set %s', (_name, env) => {
    const t = useTestApp(() => ({ JWT_JWKS_URL: jwksUrl, ...env }));
    let user: Awaited<ReturnType<TestApp['user']>>;
    beforeAll(async () => {
      user = await t.user();
    });

    const get = (token: string) => request(t.url).get(SESSIONS).set(bearer(token));

    it('accepts an RS256 token signed by the key with its kid', async () => {
      await get(await signWith(rsa.privateKey, 'RS256', 'rsa-1', user.id)).expect(200);
    });

    it('accepts an ES256 token signed by the key with its kid', async () => {
      await get(await signWith(ec.privateKey, 'ES256', 'ec-1', user.id)).expect(200);
    });

    it('refuses a token whose kid is not in the key set', async () => {
      const other = await generateKeyPair('RS256');
      expectError(await get(await signWith(other.privateKey, 'RS256', 'rsa-unknown', user.id)), 401, 'UNAUTHORIZED');
    });

    it('refuses a token signed by another key under a known kid', async () => {
      const other = await generateKeyPair('RS256');
      expectError(await get(await signWith(other.privateKey, 'RS256', 'rsa-1', user.id)), 401, 'UNAUTHORIZED');
    });

    it('refuses an RS256 token presented under the EC key id', async () => {
      expectError(await get(await signWith(rsa.privateKey, 'RS256', 'ec-1', user.id)), 401, 'UNAUTHORIZED');
    });

    it('refuses HS256 tokens signed with the RSA public key (algorithm confusion)', async () => {
      const payload = { sub: user.id, role: 'authenticated', iat: nowSeconds(), exp: nowSeconds() + 600 };
      for (const [, key] of confusionKeys()) {
        for (const header of [
          { alg: 'HS256', typ: 'JWT' },
          { alg: 'HS256', typ: 'JWT', kid: 'rsa-1' },
        ]) {
          expectError(await get(hmacToken(key, payload, header)), 401, 'UNAUTHORIZED');
        }
      }
    });

    it('refuses alg: none', async () => {
      expectError(await get(unsignedToken(user.id)), 401, 'UNAUTHORIZED');
    });

    if ('JWT_SECRET_KEY' in env) {
      it('refuses HS256 tokens altogether when no secret is configured', async () => {
        expectError(await get(await signToken(user.id, { secret: TEST_SECRET })), 401, 'UNAUTHORIZED');
      });
    } else {
      it('still accepts HS256 tokens signed with the shared secret', async () => {
        await get(user.token).expect(200);
      });
    }
  });
});
