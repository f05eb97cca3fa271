import { Redis } from 'ioredis';
import { eventually } from '@pulse/testkit';
import type { AppConfig } from '../config/app-config.js';
import { SessionChanges } from '../sessions/session-changes.js';
import { KnownWindows, type KnownWindow } from './known-windows.js';
import { KnownWindowsSync } from './known-windows.sync.js';

/** Two syncs on one Redis stand for two replicas; the key prefix is this run's own. */
describe('KnownWindowsSync (two replicas on the machine’s Redis)', () => {
  const prefix = `pulse-unit-windows-${process.pid}-${Date.now()}:`;
  const config = { redis: { keyPrefix: prefix } } as unknown as AppConfig;
  const knownA = new KnownWindows();
  const knownB = new KnownWindows();
  const changesA = new SessionChanges();
  let redisA: Redis;
  let redisB: Redis;
  let syncA: KnownWindowsSync;
  let syncB: KnownWindowsSync;

  beforeAll(async () => {
    redisA = new Redis('redis://127.0.0.1:6379', { keyPrefix: prefix });
    redisB = new Redis('redis://127.0.0.1:6379', { keyPrefix: prefix });
    syncA = new KnownWindowsSync(redisA, config, knownA, changesA);
    syncB = new KnownWindowsSync(redisB, config, knownB, new SessionChanges());
    await syncA.onModuleInit();
    await syncB.onModuleInit();
  });
  afterAll(() => {
    syncA.beforeApplicationShutdown();
    syncB.beforeApplicationShutdown();
    redisA.disconnect();
    redisB.disconnect();
  });

  const window = (leafId: string): KnownWindow => ({ userId: 'u', leafId, systemPrompt: null, turns: [] });
  // Every subscriber hears the announcements in the order Redis took them.
  const sizeIs = (known: KnownWindows, size: number) =>
    eventually(`${size} remembered windows`, () => known.size === size);

  it('tells the other replicas which sessions it changed, so they forget their windows of them', async () => {
    knownA.remember('s-marker-1', window('m1'));
    // B stored the last answer of one session, and knows another.
    knownB.remember('s-answered', window('answer-b'));
    knownB.remember('s-edited', window('answer-b2'));
    // A forgets its marker only on B's word, so it has heard B's announcements before it too.
    knownB.forget('s-marker-1');
    await sizeIs(knownA, 0);

    // A stores a later answer in the first session, and edits the second.
    knownA.remember('s-answered', window('answer-a'));
    knownA.forget('s-edited');
    knownA.remember('s-marker-2', window('m2'));
    await sizeIs(knownB, 0);

    // A heard its own announcements (before B's word on its marker) and kept its window.
    knownB.forget('s-marker-2');
    await sizeIs(knownA, 1);
    expect(knownA.take('s-answered', 'u')?.leafId).toBe('answer-a');

    // An answer that extends the window A remembered is not announced (nobody else holds one).
    knownB.remember('s-quiet', window('answer-b3'));
    knownB.remember('s-marker-3', window('m3'));
    knownA.remember('s-quiet', window('answer-a3'), { announce: false });
    knownA.forget('s-marker-3');
    await sizeIs(knownB, 1);
    expect(knownB.take('s-quiet', 'u')?.leafId).toBe('answer-b3');
  });

  it('forgets a session changed other than by a send here, and tells the other replicas', async () => {
    knownA.remember('s-branch', window('answer-a'));
    knownB.remember('s-branch', window('answer-b'));
    changesA.changed('s-branch');
    expect(knownA.take('s-branch', 'u')).toBeUndefined();
    await sizeIs(knownB, 0);
  });
});
