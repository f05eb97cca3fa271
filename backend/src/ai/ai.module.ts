import { Logger, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { AI_PROVIDER, type AiProvider } from './ai-provider.js';
import { DemoProvider } from './demo.provider.js';
import { OpenAiProvider } from './openai.provider.js';
import { SupabaseProvider } from './supabase.provider.js';

/** The provider AppConfig selected (AI_PROVIDER, else whatever is configured, else the demo). */
function createAiProvider(config: AppConfig): AiProvider {
  switch (config.ai.provider) {
    case 'openai':
      return new OpenAiProvider(config.ai.openai);
    case 'supabase':
      return new SupabaseProvider(config.ai.supabase);
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
