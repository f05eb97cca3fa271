import { jest } from '@jest/globals';
import { Global, Logger, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AppConfig } from '../config/app-config.js';
import { AI_PROVIDER, type AiProvider } from './ai-provider.js';
import { AiModule } from './ai.module.js';
import { DemoProvider } from './demo.provider.js';
import { OpenAiProvider } from './openai.provider.js';
import { SupabaseProvider } from './supabase.provider.js';

/** Resolves AI_PROVIDER the way the app does: AppConfig comes from a global module. */
async function providerFor(env: NodeJS.ProcessEnv): Promise<AiProvider> {
  const config = AppConfig.fromEnvironment(env);
  @Global()
  @Module({ providers: [{ provide: AppConfig, useValue: config }], exports: [AppConfig] })
  class TestConfigModule {}

  const moduleRef = await Test.createTestingModule({ imports: [TestConfigModule, AiModule] }).compile();
  return moduleRef.get<AiProvider>(AI_PROVIDER);
}

describe('AiModule', () => {
  let warn: jest.SpiedFunction<Logger['warn']>;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('falls back to the demo provider and warns about it', async () => {
    const provider = await providerFor({});
    expect(provider).toBeInstanceOf(DemoProvider);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('offline demo'));
  });

  it('builds the OpenAI provider with the configured model', async () => {
    const provider = await providerFor({ OPENAI_BASE_URL: 'http://127.0.0.1:1/v1', OPENAI_MODEL: 'llama3.2' });
    expect(provider).toBeInstanceOf(OpenAiProvider);
    expect(provider.model).toBe('llama3.2');
    expect(warn).not.toHaveBeenCalled();
  });

  it('builds the Supabase provider from EDGE_FUNCTION_URL alone', async () => {
    const provider = await providerFor({ EDGE_FUNCTION_URL: 'http://127.0.0.1:54321/functions/v1/chat' });
    expect(provider).toBeInstanceOf(SupabaseProvider);
    expect((provider as SupabaseProvider).target).toEqual({
      projectUrl: 'http://127.0.0.1:54321',
      functionsUrl: 'http://127.0.0.1:54321/functions/v1',
      name: 'chat',
    });
  });

  it('honours an explicit AI_PROVIDER over what is configured', async () => {
    const provider = await providerFor({ AI_PROVIDER: 'demo', OPENAI_API_KEY: 'sk-x' });
    expect(provider.name).toBe('demo');
  });
});
