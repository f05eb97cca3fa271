import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AppError } from '../common/app-error.js';
import type { AppConfig } from '../config/app-config.js';
import type { Database, Queryable } from '../database/database.js';
import type { SendMessageDto } from './dto/send-message.dto.js';
import type { SendResultDto } from './dto/send-result.dto.js';
import { IdempotencyService, STALE_PENDING_GRACE_MS } from './idempotency.service.js';
import type { SendRequestRow, SendRequestsRepository } from '../sessions/send-requests.repository.js';

const TIMEOUT_MS = 10_000;
const USER = 'user-1';
const KEY = 'key-1';
const tx = {} as Queryable;
const dto: SendMessageDto = { message: 'hi' };

const stored: SendResultDto = {
  response: 'hello',
  session_id: 's1',
  title: 'hi',
  created_session: true,
  user_message_id: 'u1',
  assistant_message_id: 'a1',
  finish_reason: 'stop',
  interrupted: false,
  usage: null,
  provider: 'demo',
  model: 'demo',
  replayed: false,
};

function setup() {
  const repo = {
    claim: jest.fn<SendRequestsRepository['claim']>(),
    attach: jest.fn<SendRequestsRepository['attach']>(),
    settle: jest.fn<SendRequestsRepository['settle']>(),
  };
  const db = {
    asUser: jest.fn((_userId: string, work: (q: Queryable) => Promise<unknown>) => work(tx)),
  };
  const service = new IdempotencyService(
    db as unknown as Database,
    { chat: { timeoutMs: TIMEOUT_MS } } as AppConfig,
    repo as unknown as SendRequestsRepository,
  );
  return { service, repo, db };
}

/** The row an earlier request with the same key and body left: the hash is learnt from the first claim. */
async function earlierRow(over: Partial<SendRequestRow>): Promise<{
  service: IdempotencyService;
  repo: ReturnType<typeof setup>['repo'];
  row: SendRequestRow;
}> {
  const { service, repo } = setup();
  repo.claim.mockResolvedValueOnce(undefined);
  await service.claim(tx, USER, KEY, dto);
  const hash = repo.claim.mock.calls[0][3];
  const row: SendRequestRow = {
    request_hash: hash,
    session_id: 's1',
    user_message_id: 'u1',
    status: 'pending',
    response: null,
    age_ms: 0,
    ...over,
  };
  repo.claim.mockResolvedValueOnce(row);
  return { service, repo, row };
}

describe('IdempotencyService.claim', () => {
  it('without a key claims nothing: every send is new', async () => {
    const { service, repo } = setup();
    await expect(service.claim(tx, USER, undefined, dto)).resolves.toEqual({});
    expect(repo.claim).not.toHaveBeenCalled();
  });

  it('claims a new key for this request', async () => {
    const { service, repo } = setup();
    repo.claim.mockResolvedValueOnce(undefined);
    await expect(service.claim(tx, USER, KEY, dto)).resolves.toEqual({});
    expect(repo.claim).toHaveBeenCalledWith(tx, USER, KEY, expect.stringMatching(/^[0-9a-f]{64}$/));
  });

  it('hashes the same body the same way, and a different one differently (session id case ignored)', async () => {
    const { service, repo } = setup();
    repo.claim.mockResolvedValue(undefined);
    await service.claim(tx, USER, KEY, { message: 'hi', session_id: 'ABC' });
    await service.claim(tx, USER, KEY, { message: 'hi', session_id: 'abc' });
    await service.claim(tx, USER, KEY, { message: 'hi', session_id: 'abc', temperature: 0.5 });
    const [a, b, c] = repo.claim.mock.calls.map((call) => call[3]);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('tells an edit and a regenerate from a send and from each other, and keeps plain sends hashed as before', async () => {
    const { service, repo } = setup();
    repo.claim.mockResolvedValue(undefined);
    const body = { message: 'hi', session_id: 'abc' };
    await service.claim(tx, USER, KEY, body);
    await service.claim(tx, USER, KEY, body, { kind: 'edit', messageId: 'M1' });
    await service.claim(tx, USER, KEY, body, { kind: 'edit', messageId: 'm1' });
    await service.claim(tx, USER, KEY, body, { kind: 'regenerate', messageId: 'm1' });
    await service.claim(tx, USER, KEY, body, { kind: 'edit', messageId: 'm2' });
    const [send, edit, editLower, regenerate, otherEdit] = repo.claim.mock.calls.map((call) => call[3]);
    expect(new Set([send, edit, regenerate, otherEdit]).size).toBe(4);
    expect(editLower).toBe(edit);
    // Keys stored before branches existed must still match their plain sends after an upgrade.
    expect(send).toBe(
      createHash('sha256')
        .update(JSON.stringify(['hi', 'abc', null, null, null]))
        .digest('hex'),
    );
  });

  it('refuses the key reused with a different body (409 IDEMPOTENCY_KEY_REUSED)', async () => {
    const { service, repo } = setup();
    repo.claim.mockResolvedValueOnce({
      request_hash: 'another body',
      session_id: 's1',
      user_message_id: 'u1',
      status: 'completed',
      response: stored,
      age_ms: 0,
    });
    const err = await service.claim(tx, USER, KEY, dto).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', status: 409, details: { field: 'Idempotency-Key' } });
  });

  it('replays a completed request, marked replayed', async () => {
    const { service } = await earlierRow({ status: 'completed', response: stored });
    await expect(service.claim(tx, USER, KEY, dto)).resolves.toEqual({
      replay: Object.assign({}, stored, { replayed: true }),
    });
  });

  it('answers again a completed row that kept no response, from what it stored', async () => {
    const { service, row } = await earlierRow({ status: 'completed', response: null });
    await expect(service.claim(tx, USER, KEY, dto)).resolves.toEqual({ earlier: row });
  });

  it('refuses a key still being answered (409 IDEMPOTENCY_KEY_IN_USE)', async () => {
    const { service } = await earlierRow({ status: 'pending', age_ms: 1_000 });
    await expect(service.claim(tx, USER, KEY, dto)).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_IN_USE',
      status: 409,
    });
  });

  it('still counts a pending key in use right up to the upstream timeout plus the grace', async () => {
    const { service } = await earlierRow({ status: 'pending', age_ms: TIMEOUT_MS + STALE_PENDING_GRACE_MS });
    await expect(service.claim(tx, USER, KEY, dto)).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_USE' });
  });

  it('takes over a stale pending key (its request died) and answers the question it stored', async () => {
    const { service, row } = await earlierRow({ status: 'pending', age_ms: TIMEOUT_MS + STALE_PENDING_GRACE_MS + 1 });
    await expect(service.claim(tx, USER, KEY, dto)).resolves.toEqual({ earlier: row });
  });

  it('retries a failed request with the question it stored', async () => {
    const { service, row } = await earlierRow({ status: 'failed', age_ms: 1 });
    await expect(service.claim(tx, USER, KEY, dto)).resolves.toEqual({ earlier: row });
  });
});

describe('IdempotencyService ledger updates', () => {
  it('attaches the stored question to the key, and does nothing without a key', async () => {
    const { service, repo } = setup();
    await service.attach(tx, USER, KEY, 's1', 'u1');
    await service.attach(tx, USER, undefined, 's1', 'u1');
    expect(repo.attach.mock.calls).toEqual([[tx, USER, KEY, 's1', 'u1']]);
  });

  it('stores the result a retry replays, and does nothing without a key', async () => {
    const { service, repo } = setup();
    await service.complete(tx, USER, KEY, stored);
    await service.complete(tx, USER, undefined, stored);
    expect(repo.settle.mock.calls).toEqual([[tx, USER, KEY, 'completed', stored]]);
  });

  it('marks a key failed in its own transaction as the user, and does nothing without a key', async () => {
    const { service, repo, db } = setup();
    await service.fail(USER, KEY);
    await service.fail(USER, undefined);
    expect(db.asUser).toHaveBeenCalledTimes(1);
    expect(db.asUser).toHaveBeenCalledWith(USER, expect.any(Function));
    expect(repo.settle.mock.calls).toEqual([[tx, USER, KEY, 'failed', null]]);
  });

  it('swallows a failure to mark a key failed: the send has already failed for its own reason', async () => {
    const { service, repo } = setup();
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    repo.settle.mockRejectedValueOnce(new Error('database down'));
    try {
      await expect(service.fail(USER, KEY)).resolves.toBeUndefined();
      expect(repo.settle).toHaveBeenCalledTimes(1);
      expect(warn).toHaveBeenCalledWith(expect.anything(), 'could not mark an idempotency key as failed');
    } finally {
      warn.mockRestore();
    }
  });
});
