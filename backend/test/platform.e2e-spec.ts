import { eventually, signToken } from '@pulse/testkit';
import { jest } from '@jest/globals';
import request from 'supertest';
import { ERROR_STATUS } from '../src/common/app-error.js';
import { expectError } from './support/errors.js';
import { useTestApp } from './support/test-app.js';
import { TEST_DB_KIND } from './support/test-database.js';

// Starting an app takes seconds on a loaded 2-core machine; the project-level testTimeout does not reach hooks.
jest.setTimeout(30_000);

const ALLOWED_ORIGIN = 'https://shop.example';

describe('platform: health, OpenAPI, request ids, logs, CORS', () => {
  const t = useTestApp({ CORS_ORIGINS: `${ALLOWED_ORIGIN}, https://other.example` });

  describe('health', () => {
    it('GET /health answers without a token', async () => {
      const res = await request(t.url).get('/health').expect(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it('GET /health/ready checks the database and names its kind', async () => {
      const res = await request(t.url).get('/health/ready').expect(200);
      expect(res.body).toEqual({ status: 'ok', database: TEST_DB_KIND });
    });
  });

  describe('OpenAPI document', () => {
    let doc: {
      paths: Record<
        string,
        Record<
          string,
          {
            security?: unknown[];
            responses: Record<string, { content: Record<string, { schema: { allOf?: unknown[] } }> }>;
          }
        >
      >;
      components: {
        securitySchemes: Record<string, { type: string; scheme: string }>;
        schemas: Record<string, { properties: Record<string, { enum?: string[] }> }>;
      };
    };

    beforeAll(async () => {
      doc = (await request(t.url).get('/openapi.json').expect(200).expect('content-type', /json/)).body;
    });

    const SESSION_OPERATIONS: Record<string, string[]> = {
      '/api/chat/sessions': ['get', 'post'],
      '/api/chat/sessions/{id}': ['delete', 'get', 'put'],
      '/api/chat/sessions/{id}/messages': ['get'],
      '/api/chat/sessions/{id}/clear': ['post'],
    };

    it.each(Object.entries(SESSION_OPERATIONS))('lists %s with its methods', (path, methods) => {
      expect(Object.keys(doc.paths)).toContain(path);
      expect(Object.keys(doc.paths[path])).toEqual(expect.arrayContaining(methods));
    });

    it('lists POST /api/auth/token', () => {
      expect(Object.keys(doc.paths['/api/auth/token'] ?? {})).toContain('post');
    });

    it('declares bearer security and requires it on every session operation', () => {
      const schemes = Object.entries(doc.components.securitySchemes);
      const bearer = schemes.find(([, s]) => s.type === 'http' && s.scheme === 'bearer');
      expect(bearer).toBeDefined();
      for (const [path, methods] of Object.entries(SESSION_OPERATIONS)) {
        for (const method of methods) {
          expect({ path, method, security: doc.paths[path][method].security }).toEqual({
            path,
            method,
            security: expect.arrayContaining([{ [bearer![0]]: [] }]),
          });
        }
      }
    });

    it('documents every error code in one Error schema, each refusal, the stream and the public routes', () => {
      expect(doc.components.schemas.Error.properties.code.enum).toEqual(Object.keys(ERROR_STATUS));
      const notFound = doc.paths['/api/chat/sessions/{id}'].get.responses['404'].content['application/json'].schema;
      expect(notFound.allOf).toEqual([
        { $ref: '#/components/schemas/Error' },
        { type: 'object', properties: { code: { enum: ['SESSION_NOT_FOUND'] } } },
      ]);
      expect(Object.keys(doc.paths['/api/chat/send'].post.responses['200'].content)).toEqual([
        'application/json',
        'text/event-stream',
      ]);
      for (const path of ['/health', '/health/ready', '/api/auth/token']) {
        for (const op of Object.values(doc.paths[path])) expect(op).toHaveProperty('security', []);
      }
    });

    it('serves the docs UI', async () => {
      const res = await request(t.url).get('/docs/').redirects(1).expect(200);
      expect(res.text).toMatch(/swagger/i);
    });
  });

  describe('request ids', () => {
    it('echoes a safe X-Request-Id', async () => {
      const res = await request(t.url).get('/health/ready').set('X-Request-Id', 'client-req-42').expect(200);
      expect(res.headers['x-request-id']).toBe('client-req-42');
    });

    it('generates one when none is sent, and for an unsafe one', async () => {
      const none = await request(t.url).get('/health/ready').expect(200);
      expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      const unsafe = await request(t.url).get('/health/ready').set('X-Request-Id', 'bad id\twith spaces').expect(200);
      expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('puts the request id in error bodies', async () => {
      const res = await request(t.url).get('/api/chat/sessions').set('X-Request-Id', 'err-req-7');
      expectError(res, 401, 'UNAUTHORIZED');
      expect(res.body.requestId).toBe('err-req-7');
    });
  });

  describe('logs', () => {
    it('never contain the token, and carry the request id of each request', async () => {
      const u = await t.user();
      const signature = u.token.split('.')[2];
      const expired = await signToken(u.id, { expiresIn: Math.floor(Date.now() / 1000) - 300 });
      const badSignature = `${u.token.slice(0, -4)}AAAA`;
      const ids: string[] = [];
      const send = async (rid: string, build: (r: ReturnType<typeof request>) => request.Test, status: number) => {
        ids.push(rid);
        await build(request(t.url)).set('X-Request-Id', rid).expect(status);
      };

      await send('log-create', (r) => r.post('/api/chat/sessions').set(u.auth).send({ title: 'Logged' }), 201);
      await send('log-list', (r) => r.get('/api/chat/sessions').set(u.auth), 200);
      await send('log-expired', (r) => r.get('/api/chat/sessions').set({ Authorization: `Bearer ${expired}` }), 401);
      await send(
        'log-badsig',
        (r) => r.get('/api/chat/sessions').set({ Authorization: `Bearer ${badSignature}` }),
        401,
      );
      await send('log-query', (r) => r.get(`/api/chat/sessions?access_token=${u.token}`).set(u.auth), 400);
      await send('log-404', (r) => r.get('/api/nope').set(u.auth), 404);

      // pino writes the line after the response is sent: wait for every request's line.
      await eventually('every request logged', () => {
        const logged = t.logs.join('');
        return ids.every((id) => logged.includes(`"id":"${id}"`));
      });
      const text = t.logs.join('');
      for (const secret of [u.token, signature, expired, expired.split('.')[2], badSignature]) {
        expect(text.includes(secret)).toBe(false);
      }
      expect(text).toContain('[redacted]');

      const lines = t.logs
        .flatMap((chunk) => chunk.split('\n'))
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { req?: { id?: string; url?: string }; res?: { statusCode: number } });
      for (const id of ids) {
        const line = lines.find((l) => l.req?.id === id);
        expect({ id, logged: Boolean(line?.res?.statusCode) }).toEqual({ id, logged: true });
      }
      expect(lines.find((l) => l.req?.id === 'log-expired')!.res!.statusCode).toBe(401);
      expect(lines.find((l) => l.req?.id === 'log-query')!.req!.url).toBe('/api/chat/sessions?access_token=[redacted]');
    });
  });

  describe('unknown routes', () => {
    it.each([
      ['GET /api/nope without a token', (r: ReturnType<typeof request>) => r.get('/api/nope')],
      ['GET /nope', (r: ReturnType<typeof request>) => r.get('/nope')],
      ['PATCH /api/chat/sessions', (r: ReturnType<typeof request>) => r.patch('/api/chat/sessions')],
    ])('answers %s with a 404 NOT_FOUND JSON body', async (_name, call) => {
      expectError(await call(request(t.url)), 404, 'NOT_FOUND');
    });

    it('answers 404 for an unknown route with a valid token too', async () => {
      const u = await t.user();
      expectError(await request(t.url).post('/api/chat/nothing-here').set(u.auth).send({}), 404, 'NOT_FOUND');
    });
  });

  describe('caching', () => {
    it('keeps no API answer in a browser or proxy cache, and hashes no ETag for one', async () => {
      const u = await t.user();
      await request(t.url).post('/api/chat/sessions').set(u.auth).send({ title: 'Private' }).expect(201);
      const list = await request(t.url).get('/api/chat/sessions').set(u.auth).expect(200);
      expect(list.body.data.map((s: { title: string }) => s.title)).toEqual(['Private']);
      const refused = await request(t.url).get('/api/chat/sessions');
      expect(refused.status).toBe(401);
      for (const res of [list, refused]) {
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers.etag).toBeUndefined();
      }
    });
  });

  describe('CORS', () => {
    const preflight = (origin: string) =>
      request(t.url)
        .options('/api/chat/sessions')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type,idempotency-key');

    it('allows Authorization and Idempotency-Key from an allowed origin', async () => {
      const res = await preflight(ALLOWED_ORIGIN);
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      const allowed = String(res.headers['access-control-allow-headers'])
        .toLowerCase()
        .split(/\s*,\s*/);
      expect(allowed).toEqual(expect.arrayContaining(['authorization', 'idempotency-key', 'content-type']));
      expect(String(res.headers['access-control-allow-methods'])).toMatch(/POST/);
    });

    it('does not allow another origin', async () => {
      const res = await preflight('https://evil.example');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('exposes X-Request-Id to the allowed origin on real requests', async () => {
      const res = await request(t.url).get('/health').set('Origin', ALLOWED_ORIGIN).expect(200);
      expect(res.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      expect(String(res.headers['access-control-expose-headers']).toLowerCase()).toContain('x-request-id');
    });
  });
});
