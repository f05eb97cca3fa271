// docker/compose.replicas.yaml brought up as the README's "Three replicas with Docker Compose"
// says: three replicas of the image the suite built, docker/haproxy.cfg in front (round-robin, no
// stickiness), one Postgres and one Redis, every setting from a copy of env.example, and the
// fake OpenAI upstream on the host as the model. Our machines have no bridge network, so
// docker/test/compose.replicas.host-network.yaml is laid over it: every service on the host's
// network with a free port of its own, and the local stand-ins of the postgres, redis and
// haproxy images. As in compose.test.mjs the stack runs from a copy without the balancer's
// `ports:` block (the only change, checked); the file as written is checked with `config`.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually, startOpenAIUpstream } from '@pulse/testkit';
import {
  assertKept,
  composeCommands,
  converse,
  echo,
  freePort,
  getSession,
  liveStream,
  newUserId,
  ROOT,
  run,
  runId,
  secret,
  settingsFile,
  signHs256,
  withoutPublishedPorts,
} from './support.mjs';

const COMPOSE_FILE = join(ROOT, 'docker', 'compose.replicas.yaml');
const REPLICAS = ['pulse1', 'pulse2', 'pulse3'];
const SENDS_PER_MINUTE = 6;
const AUTH_FAILURES_PER_MINUTE = 3;
const API_KEY = 'sk-replicas-test';

const figure = (line) => process.stdout.write(`figure: ${line}\n`);
const words = (n, tag = 'w') => Array.from({ length: n }, (_, i) => `${tag}${i} `);

describe('three replicas behind HAProxy (docker/compose.replicas.yaml)', () => {
  const project = `pulse-replicas-${runId()}`;
  let dir;
  let upstream;
  let compose;
  let composeAsIs;
  let ports;
  let base;
  let jwtSecret;
  /** A fresh user's headers: each scenario spends its own send budget. */
  let user;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pulse-replicas-'));
    upstream = await startOpenAIUpstream({ apiKey: API_KEY });
    ports = {};
    for (const name of ['BALANCER', 'PULSE1', 'PULSE2', 'PULSE3', 'POSTGRES', 'REDIS']) ports[name] = await freePort();
    const pgPassword = secret();
    jwtSecret = secret();
    base = `http://127.0.0.1:${ports.BALANCER}`;
    user = () => ({ authorization: `Bearer ${signHs256(newUserId(), jwtSecret)}` });
    const envFile = join(dir, 'pulse.env');
    writeFileSync(
      envFile,
      settingsFile(
        {
          NODE_ENV: 'production',
          PORT: ports.BALANCER,
          CORS_ORIGINS: 'https://shop.example',
          DATABASE_URL: `postgres://postgres:${pgPassword}@127.0.0.1:${ports.POSTGRES}/pulse`,
          REDIS_URL: `redis://127.0.0.1:${ports.REDIS}`,
          JWT_SECRET_KEY: jwtSecret,
          AUTO_PROVISION_USERS: 'true',
          AI_PROVIDER: 'openai',
          OPENAI_BASE_URL: upstream.url,
          OPENAI_API_KEY: API_KEY,
          RATE_LIMIT_SENDS_PER_MINUTE: SENDS_PER_MINUTE,
          AUTH_FAILURES_PER_MINUTE,
        },
        {
          POSTGRES_PASSWORD: pgPassword,
          ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [`${k}_PORT`, v])),
        },
      ),
    );
    const hostCompose = join(dir, 'compose.replicas.yaml');
    writeFileSync(hostCompose, withoutPublishedPorts(COMPOSE_FILE, 'balancer'));
    ({ compose, composeAsIs } = composeCommands({
      project,
      envFile,
      file: COMPOSE_FILE,
      hostFile: hostCompose,
      hostOverride: join(ROOT, 'docker/test/compose.replicas.host-network.yaml'),
    }));
  });

  after(async () => {
    await compose?.('down', '-v', '--remove-orphans').catch(() => {});
    await upstream?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** `docker inspect` of every container of the stack, by service (one call: compose v1 is slow to start). */
  async function inspectAll() {
    const ids = (await run('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`])).split(
      '\n',
    );
    const list = JSON.parse(await run('docker', ['inspect', ...ids]));
    return Object.fromEntries(list.map((c) => [c.Config.Labels['com.docker.compose.service'], c]));
  }
  const logs = () => compose('logs', '--no-color', '--tail', '80').catch((e) => e.message);

  /** A JSON send through the balancer; the status, the replica that answered, and the body. */
  async function send(headers, body) {
    const res = await fetch(`${base}/api/chat/send`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, served: res.headers.get('x-served-by'), body: await res.json() };
  }
  const streamSend = (headers, body) =>
    liveStream(`${base}/api/chat/send`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify(body),
    });

  it('as written, publishes the balancer on PORT and wires every replica to db and redis', async () => {
    const config = await composeAsIs('config');
    assert.match(config, new RegExp(`ports:\\n\\s+- published: ${ports.BALANCER}\\n\\s+target: 8000\\n`));
    assert.match(config, /haproxy\.cfg:\/usr\/local\/etc\/haproxy\/haproxy\.cfg:ro/);
    for (const image of ['haproxy:2.6', 'redis:7', 'postgres:17'])
      assert.match(config, new RegExp(`image: ${image}\\n`));
    // Each replica: the settings file's Postgres and Redis, listening where haproxy.cfg looks.
    assert.equal(config.match(/REDIS_URL: redis:\/\/127\.0\.0\.1:/g)?.length, 3);
    assert.equal(config.match(/HOST: 0\.0\.0\.0\n/g)?.length, 3);
    assert.equal(config.match(/PORT: '?8000'?\n/g)?.length, 3);
    assert.equal(config.match(/TRUST_PROXY: '1'\n/g)?.length, 3);
    assert.equal(config.match(/stop_grace_period: 40s/g)?.length, 3);

    // Without DATABASE_URL and REDIS_URL in the settings, the stack's own services.
    const bare = join(dir, 'bare.env');
    writeFileSync(bare, 'JWT_SECRET_KEY=x\n');
    const defaults = await run(
      'docker-compose',
      ['--project-directory', join(ROOT, 'docker'), '--env-file', bare, '-f', COMPOSE_FILE, 'config'],
      { cwd: ROOT, env: { ...process.env, PULSE_ENV_FILE: bare } },
    );
    assert.equal(defaults.match(/DATABASE_URL: postgres:\/\/postgres:postgres@db:5432\/pulse\n/g)?.length, 3);
    assert.equal(defaults.match(/REDIS_URL: redis:\/\/redis:6379\n/g)?.length, 3);
  });

  it('starts three replicas of the built image, the balancer, Postgres and Redis; each replica takes a turn', async () => {
    const started = Date.now();
    await compose('up', '-d');
    try {
      // Round-robin over the replicas the health checks have marked up, until all three answered.
      const seen = new Set();
      await eventually(
        'all three replicas ready behind the balancer',
        async () => {
          const res = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(2000) });
          if (res.status === 200) seen.add(res.headers.get('x-served-by'));
          return seen.size === 3;
        },
        { timeoutMs: 120_000, intervalMs: 200 },
      );
      assert.deepEqual([...seen].sort(), REPLICAS);
    } catch (err) {
      throw new Error(`${err.message}\n${await logs()}`);
    }
    figure(`replicas stack: up and all 3 replicas ready behind the balancer in ${Date.now() - started} ms`);
    for (const r of ['PULSE1', 'PULSE2', 'PULSE3']) {
      const res = await fetch(`http://127.0.0.1:${ports[r]}/health/ready`);
      assert.deepEqual(await res.json(), { status: 'ok', database: 'postgres' });
    }
    const containers = await inspectAll();
    assert.deepEqual(Object.keys(containers).sort(), ['balancer', 'db', ...REPLICAS, 'redis']);
    for (const [service, c] of Object.entries(containers)) {
      assert.equal(c.HostConfig.NetworkMode, 'host', `${service} on the host's network`);
    }
    for (const service of REPLICAS) {
      assert.equal(containers[service].Config.Image, process.env.PULSE_TEST_IMAGE);
      assert.equal(containers[service].Config.User, 'node');
      assert.equal(containers[service].Config.StopTimeout, 40, 'stop_grace_period reaches the container');
    }
    assert.equal(containers.balancer.Config.Image, 'haproxy:2.6');
    assert.equal(containers.redis.Config.Image, 'redis:7');
  });

  it('spreads JSON and streamed sends over the replicas; any replica reads what another stored', async () => {
    const headers = user();
    const served = [];
    const first = await send(headers, { message: 'spread 0' });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    served.push(first.served);
    for (let i = 1; i < 3; i++) {
      const r = await send(headers, { message: `spread ${i}`, session_id: first.body.session_id });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.response, echo(`spread ${i}`));
      served.push(r.served);
    }
    assert.deepEqual([...served].sort(), REPLICAS, 'three sends in a row, one per replica');
    const session = await getSession(base, headers.authorization.slice('Bearer '.length), first.body.session_id);
    assert.deepEqual(
      session.messages.map((m) => m.content),
      ['spread 0', echo('spread 0'), 'spread 1', echo('spread 1'), 'spread 2', echo('spread 2')],
    );
    figure(`JSON sends over the balancer: answered by ${served.join(', ')}`);

    // The widget script, a JSON send and a streamed send into its session, then read back.
    const token = signHs256(newUserId(), jwtSecret);
    const kept = await converse(base, token, 'the replicas stack');
    await assertKept(base, token, kept);
  });

  it('a stop through the balancer ends a streamed answer another replica produces; the partial is stored interrupted', async () => {
    const headers = user();
    upstream.enqueue({ kind: 'text', chunks: words(300), chunkDelayMs: 20 });
    const s = await streamSend(headers, { message: 'Go on forever' });
    assert.equal(s.status, 200);
    await s.until((x) => x.deltas() >= 3);
    const sessionId = s.sessionId();
    const res = await fetch(`${base}/api/chat/sessions/${sessionId}/stop`, { method: 'POST', headers });
    assert.equal(res.status, 200, await res.text());
    const stopServed = res.headers.get('x-served-by');
    assert.notEqual(stopServed, s.served, 'round-robin sent the stop to another replica');
    await s.done;
    assert.deepEqual(s.parts().at(-1), { type: 'finish', finishReason: 'interrupted' });
    const token = headers.authorization.slice('Bearer '.length);
    const stored = (await getSession(base, token, sessionId)).messages.find((m) => m.role === 'assistant');
    assert.equal(stored.metadata.interrupted, true);
    assert.equal(stored.content, s.text());
    assert.ok(s.deltas() < 300);
    figure(
      `stop via the balancer (${stopServed}) of an answer streamed by ${s.served}: ` +
        `${s.deltas()} of 300 deltas streamed and stored as interrupted`,
    );
  });

  it('resumes, through the balancer on another replica, the rest of a dropped stream', async () => {
    const headers = user();
    const chunks = words(40);
    upstream.enqueue({ kind: 'text', chunks, chunkDelayMs: 20 });
    const first = await streamSend(headers, { message: 'Resume across replicas' });
    await first.until((x) => x.deltas() >= 5);
    first.drop();
    const rest = await liveStream(`${base}/api/chat/sessions/${first.sessionId()}/stream`, {
      headers: { ...headers, 'last-event-id': String(first.lastId()) },
    });
    assert.equal(rest.status, 200);
    assert.notEqual(rest.served, first.served);
    await rest.done;
    assert.deepEqual(
      rest.events.map((e) => e.id),
      rest.events.map((_, i) => first.lastId() + 1 + i),
      'the events after Last-Event-ID, none repeated or missing',
    );
    assert.equal(first.text() + rest.text(), chunks.join(''));
    assert.equal(rest.parts().at(-1)?.type, 'finish');
    figure(
      `resume: ${first.deltas()} deltas from ${first.served} before the drop + ` +
        `${rest.deltas()} from ${rest.served} after, none repeated`,
    );
  });

  it('holds the per-user send limit across the replicas', async () => {
    const headers = user();
    const results = [];
    for (let i = 0; i <= SENDS_PER_MINUTE; i++) results.push(await send(headers, { message: `limit ${i}` }));
    const allowed = results.slice(0, SENDS_PER_MINUTE);
    assert.deepEqual(
      allowed.map((r) => r.status),
      allowed.map(() => 200),
    );
    assert.deepEqual([...new Set(allowed.map((r) => r.served))].sort(), REPLICAS);
    const refused = results.at(-1);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.code, 'RATE_LIMITED');
    figure(
      `send limit ${SENDS_PER_MINUTE}/min per user over 3 replicas: ${SENDS_PER_MINUTE} allowed, ` +
        `send ${SENDS_PER_MINUTE + 1} refused 429 by ${refused.served}`,
    );
  });

  it("counts auth failures per client address from the balancer's X-Forwarded-For", async () => {
    // Two clients on two loopback addresses: without `option forwardfor` and TRUST_PROXY both
    // would have the balancer's address, and the first one's failures would lock out the second.
    const get = (localAddress, token) =>
      new Promise((resolve, reject) => {
        const req = request(`${base}/api/chat/sessions`, {
          localAddress,
          headers: { authorization: `Bearer ${token}` },
        });
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        });
        req.on('error', reject);
        req.end();
      });
    const forged = signHs256(newUserId(), secret());
    const statuses = [];
    for (let i = 0; i <= AUTH_FAILURES_PER_MINUTE; i++) statuses.push(await get('127.0.0.2', forged));
    assert.deepEqual(statuses, [...Array(AUTH_FAILURES_PER_MINUTE).fill(401), 429]);
    assert.equal(await get('127.0.0.3', signHs256(newUserId(), jwtSecret)), 200);
    figure(
      `auth failures: 127.0.0.2 refused 429 after ${AUTH_FAILURES_PER_MINUTE} bad tokens; ` +
        '127.0.0.3 through the same balancer still answered 200',
    );
  });

  it('docker stop of the replica streaming an answer: the answer finishes, the others answer every send meanwhile', async () => {
    // About 8 s of answer: docker stop reaches the replica well before it ends, even on a busy machine.
    const chunks = words(100);
    upstream.enqueue({ kind: 'text', chunks, chunkDelayMs: 80 });
    const s = await streamSend(user(), { message: 'Finish while your replica stops' });
    assert.equal(s.status, 200);
    await s.until((x) => x.deltas() >= 2);
    const victim = s.served;
    const { Id: id } = (await inspectAll())[victim];
    const started = Date.now();
    const stopped = run('docker', ['stop', id]);
    // Draining: its readiness fails at once (503), so the balancer takes it out of the rotation.
    const own = `http://127.0.0.1:${ports[victim.toUpperCase()]}/health/ready`;
    const readiness = async () => (await fetch(own).catch(() => ({ status: 'gone' }))).status;
    await eventually(`${victim} draining`, async () => (await readiness()) !== 200, {
      timeoutMs: 60_000,
      intervalMs: 50,
    });
    const atDrain = s.deltas();
    assert.ok(atDrain < chunks.length, 'the answer was still streaming when its replica began to drain');

    // Sends meanwhile, each from another visitor: one that lands on the draining replica is
    // refused (503) and retried on another.
    const served = [];
    for (let i = 0; i < 6; i++) {
      const r = await send(user(), { message: `one down ${i}` });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      served.push(r.served);
    }
    await stopped;
    const stopMs = Date.now() - started;
    await s.done;
    assert.equal(s.text(), chunks.join(''), 'the answer in flight finished whole');
    assert.deepEqual(s.parts().at(-1), { type: 'finish', finishReason: 'stop' });
    assert.equal(await run('docker', ['inspect', '-f', '{{.State.ExitCode}}', id]), '0');
    const refused = (await run('docker', ['logs', id]))
      .split('\n')
      .filter((l) => l.includes('"url":"/api/chat/send"') && l.includes('"statusCode":503')).length;
    const others = REPLICAS.filter((r) => r !== victim);
    assert.deepEqual([...new Set(served)].sort(), others);
    figure(
      `docker stop ${victim} while it streamed: exit 0 after ${stopMs} ms, its answer finished whole ` +
        `(${atDrain} of ${s.deltas()} deltas sent when it began to drain); meanwhile ` +
        `${served.length} of ${served.length} sends answered by ${others.join(' and ')} ` +
        `(${refused} refused 503 by ${victim} while it drained, and retried by the balancer)`,
    );
  });

  it('docker-compose down -v removes the containers and the volume', async () => {
    await compose('down', '-v');
    assert.equal(await compose('ps', '-q'), '');
    assert.equal(await run('docker', ['volume', 'ls', '-q', '--filter', `name=${project}`]), '');
  });
});
