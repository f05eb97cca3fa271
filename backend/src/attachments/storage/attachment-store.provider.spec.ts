import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AppConfig } from '../../config/app-config.js';
import { AttachmentStore } from './attachment-store.js';
import { attachmentStoreProvider } from './attachment-store.provider.js';

async function storeFor(env: NodeJS.ProcessEnv): Promise<AttachmentStore> {
  const module = await Test.createTestingModule({
    providers: [{ provide: AppConfig, useValue: AppConfig.fromEnvironment(env) }, attachmentStoreProvider],
  }).compile();
  return module.get(AttachmentStore);
}

const key = `${randomUUID()}/${randomUUID()}`;

describe('attachmentStoreProvider', () => {
  it('without S3_BUCKET, keeps files in ATTACHMENTS_DIR', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-provider-'));
    try {
      const store = await storeFor({ ATTACHMENTS_DIR: dir });

      await store.put(key, Readable.from([Buffer.from('hello')]), 'text/plain');

      expect(store.kind).toBe('folder');
      expect((await stat(join(dir, key))).size).toBe(5);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('with S3_BUCKET, keeps them in the bucket under S3_PREFIX', async () => {
    const store = await storeFor({
      S3_BUCKET: 'pulse-files',
      S3_ENDPOINT: 'http://127.0.0.1:9',
      S3_ACCESS_KEY_ID: 'id',
      S3_SECRET_ACCESS_KEY: 'secret',
      S3_PREFIX: 'chat/',
    });

    expect(store.kind).toBe('s3');
    // Signing needs no request: the URL shows the endpoint, path-style bucket and prefix in use.
    const url = new URL((await store.signedUrl(key, 'image/png', 60))!);
    expect(`${url.origin}${url.pathname}`).toBe(`http://127.0.0.1:9/pulse-files/chat/${key}`);
    expect(url.searchParams.get('response-content-type')).toBe('image/png');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^id\/\d{8}\/us-east-1\/s3\/aws4_request$/);
  });
});
