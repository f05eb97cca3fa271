import { Logger, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { AI_PROVIDER, type AiProvider } from './ai-provider.js';
import { DemoProvider } from './demo.provider.js';
import { OpenAiProvider } from './openai.provider.js';
import { SupabaseProvider } from './supabase.provider.js';

/** The provider AppConfig selected (AI_PROVIDER, else whatever is configured, else the demo). */
function createAiProvider(config: AppConfig): AiProvider {
  const { env } = config;
  switch (config.aiProvider) {
    case 'openai':
      return new OpenAiProvider({ baseUrl: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY, model: env.OPENAI_MODEL });
    case 'supabase':
      return new SupabaseProvider({
        supabaseUrl: env.SUPABASE_URL,
        anonKey: env.SUPABASE_ANON_KEY,
        edgeFunctionUrl: env.EDGE_FUNCTION_URL,
      });
    case 'demo':
      return new DemoProvider();
  }
}

@Module({
  providers: [
    {
      provide: AI_PROVIDER,
      inject: [AppConfig],
      useFactory: (config: AppConfig): AiProvider => {
        const provider = createAiProvider(config);
        const logger = new Logger('AiModule');
        if (provider.name === 'demo') {
          logger.warn(
            'No AI model is configured: chat answers come from the offline demo. ' +
              'Set OPENAI_BASE_URL/OPENAI_API_KEY or SUPABASE_URL/EDGE_FUNCTION_URL (and AI_PROVIDER) to use a real model.',
          );
        } else {
          logger.log(`AI provider: ${provider.name} (${provider.model})`);
        }
        return provider;
      },
    },
  ],
  exports: [AI_PROVIDER],
})
export class AiModule {}
