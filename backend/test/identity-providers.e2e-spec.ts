import { signToken } from '@pulse/testkit';
import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import request from 'supertest';
import { USER_ID_NAMESPACE, userIdFor, uuidV5 } from '../src/auth/user-id.js';
import { expectError } from './support/errors.js';
import { startTestApp, type TestApp } from './support/test-app.js';

jest.setTimeout(30_000);

const SESSIONS = '/api/chat/sessions';
const API_KEY = 'integrator-api-key-0123456789abcdef';
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** The `sub` shapes of the providers people put in front of Pulse (none of them a UUID). */
const PROVIDERS = [
  { name: 'Auth0', iss: 'https://tenant.eu.auth0.com/', sub: 'auth0|65f1c0ffee0123456789abcd' },
  { name: 'Clerk', iss: 'https://clerk.shop.example', sub: 'user_2abCDefGhIjKlMnOpQrStUvWxYz' },
  { name: 'Firebase', iss: 'https://securetoken.google.com/shop-app', sub: 'kZ3mQ9xT2bVw7yLr0pNc4sHd8eF1' },
  { name: 'Keycloak-style', iss: 'https://sso.shop.example/realms/shop', sub: 'ada.lovelace' },
] as const;

describe('identity providers: any sub, from RS256, ES256 and HS256 tokens', () => {
  let jwksServer: Server;
  let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
  let ec: { privateKey: CryptoKey; publicKey: CryptoKey };
  let t: TestApp;

  /** A provider's token: signed by its key from the local JWKS, with its `iss` and `sub`. */
  const providerToken = (alg: 'RS256' | 'ES256', iss: string, sub: string, extra: Record<string, unknown> = {}) =>
    new SignJWT({ role: 'authenticated', ...extra })
      .setProtectedHeader({ alg, kid: alg === 'RS256' ? 'rsa-1' : 'ec-1', typ: 'JWT' })
      .setIssuer(iss)
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(alg === 'RS256' ? rsa.privateKey : ec.privateKey);

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256');
    ec = await generateKeyPair('ES256');
    const keys = [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    const body = JSON.stringify({ keys });
    jwksServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
    // HS256 (the test secret) and the key set side by side; unknown users are registered on first sight.
    t = await startTestApp({ JWT_JWKS_URL: jwksUrl, AUTO_PROVISION_USERS: 'true', PULSE_API_KEY: API_KEY });
  });
  afterAll(async () => {
    await t?.close();
    await new Promise<void>((resolve) => jwksServer.close(() => resolve()));
  });

  const userRows = async (id: string) =>
    (await t.db.query<{ id: string }>('select id from public.users where id = $1', [id])).rows;

  describe.each(PROVIDERS)('$name-shaped sub ($sub)', ({ iss, sub }) => {
    const expectedId = uuidV5(`${iss}\n${sub}`, USER_ID_NAMESPACE);

    it.each(['RS256', 'ES256'] as const)(
      'works with %s: mapped to UUIDv5(iss, sub), registered, RLS-scoped',
      async (alg) => {
        const token = await providerToken(alg, iss, sub);
        const created = await request(t.url).post(SESSIONS).set(bearer(token)).send({ title: alg }).expect(201);
        expect(await userRows(expectedId)).toEqual([{ id: expectedId }]);
        const owner = await t.db.query<{ user_id: string }>('select user_id from public.chat_sessions where id = $1', [
          created.body.id,
        ]);
        expect(owner.rows).toEqual([{ user_id: expectedId }]);
        // The other algorithm's token for the same person is the same user.
        const other = await providerToken(alg === 'RS256' ? 'ES256' : 'RS256', iss, sub);
        const listed = await request(t.url).get(SESSIONS).set(bearer(other)).expect(200);
        expect(listed.body.data.map((s: { id: string }) => s.id)).toContain(created.body.id);
      },
    );

    it('is the same user in an HS256 token with the same iss and sub', async () => {
      const hs = await signToken('', { subject: sub, issuer: iss });
      const rs = await providerToken('RS256', iss, sub);
      const created = await request(t.url).post(SESSIONS).set(bearer(hs)).send({}).expect(201);
      const listed = await request(t.url).get(SESSIONS).set(bearer(rs)).expect(200);
      expect(listed.body.data.map((s: { id: string }) => s.id)).toContain(created.body.id);
    });
  });

  it('keeps users of different issuers apart even when their subs are equal', async () => {
    const sub = `shared-${randomUUID().slice(0, 8)}`;
    const a = await providerToken('RS256', 'https://a.example/', sub);
    const b = await providerToken('RS256', 'https://b.example/', sub);
    const created = await request(t.url).post(SESSIONS).set(bearer(a)).send({ title: 'A' }).expect(201);
    const asB = await request(t.url).get(SESSIONS).set(bearer(b)).expect(200);
    expect(asB.body.data).toEqual([]);
    expectError(await request(t.url).get(`${SESSIONS}/${created.body.id}`).set(bearer(b)), 404, 'SESSION_NOT_FOUND');
  });

  it('keeps a UUID sub as the user id (Supabase Auth), whatever the issuer', async () => {
    const id = randomUUID();
    const token = await providerToken('ES256', 'https://ref.supabase.co/auth/v1', id.toUpperCase());
    await request(t.url).post(SESSIONS).set(bearer(token)).send({}).expect(201);
    expect(await userRows(id)).toEqual([{ id }]);
  });

  it('mints a widget token for any user id string, as the same user its HS256 token maps to', async () => {
    const res = await request(t.url)
      .post('/api/auth/token')
      .set('X-Api-Key', API_KEY)
      .send({ user_id: 'auth0|minted-42', display_name: 'Ada' })
      .expect(200);
    const id = userIdFor(undefined, 'auth0|minted-42');
    expect(res.body.user_id).toBe(id);
    expect(decodeJwt(res.body.token).sub).toBe(id);
    const row = await t.db.query('select display_name from public.users where id = $1', [id]);
    expect(row.rows).toEqual([{ display_name: 'Ada' }]);
    const created = await request(t.url).post(SESSIONS).set(bearer(res.body.token)).send({}).expect(201);
    const own = await signToken('', { subject: 'auth0|minted-42' });
    const listed = await request(t.url).get(SESSIONS).set(bearer(own)).expect(200);
    expect(listed.body.data.map((s: { id: string }) => s.id)).toEqual([created.body.id]);
  });
});
