import { AppConfig } from './app-config.js';
import { loadEnvironment } from './environment.js';

describe('configuration', () => {
  it('applies the spec defaults', () => {
    const env = loadEnvironment({});
    expect(env.PORT).toBe(8000);
    expect(env.CHAT_TIMEOUT).toBe(30);
    expect(env.MAX_CONTEXT_MESSAGES).toBe(10);
    expect(env.DEFAULT_TEMPERATURE).toBe(0.7);
    expect(env.DEFAULT_MAX_TOKENS).toBe(1000);
    expect(env.JWT_ALGORITHM).toBe('HS256');
    expect(env.JWT_EXPIRE_MINUTES).toBe(30);
  });

  it('names every bad variable in one error', () => {
    expect(() => loadEnvironment({ PORT: 'abc', DEFAULT_TEMPERATURE: '5', JWT_ALGORITHM: 'none' })).toThrow(
      /PORT[\s\S]*DEFAULT_TEMPERATURE|DEFAULT_TEMPERATURE[\s\S]*PORT/,
    );
    try {
      loadEnvironment({ PORT: 'abc', DEFAULT_TEMPERATURE: '5', JWT_ALGORITHM: 'none' });
    } catch (e) {
      const text = (e as Error).message;
      for (const name of ['PORT', 'DEFAULT_TEMPERATURE', 'JWT_ALGORITHM']) expect(text).toContain(name);
    }
  });

  it('runs as a local demo only when nothing is configured and not in production', () => {
    expect(AppConfig.fromEnvironment({}).demoMode).toBe(true);
    expect(AppConfig.fromEnvironment({}).autoProvisionUsers).toBe(true);
    expect(AppConfig.fromEnvironment({ NODE_ENV: 'production' }).demoMode).toBe(false);
    const configured = AppConfig.fromEnvironment({ JWT_SECRET_KEY: 'x'.repeat(32) });
    expect(configured.demoMode).toBe(false);
    expect(configured.autoProvisionUsers).toBe(false);
  });

  it('picks the configured AI provider, demo when none', () => {
    expect(AppConfig.fromEnvironment({}).aiProvider).toBe('demo');
    expect(AppConfig.fromEnvironment({ OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' }).aiProvider).toBe('openai');
    expect(AppConfig.fromEnvironment({ EDGE_FUNCTION_URL: 'http://127.0.0.1:1/functions/v1/chat' }).aiProvider).toBe(
      'supabase',
    );
  });

  it('refuses production without a way to verify tokens', () => {
    expect(AppConfig.fromEnvironment({ NODE_ENV: 'production' }).crossCheck()).toEqual([
      expect.stringContaining('JWT_SECRET_KEY'),
    ]);
  });
});
