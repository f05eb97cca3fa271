import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';
import { LIMITS } from '../backend/src/sessions/dto/limits.ts';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * Two builds into dist/:
 * - default: ES modules for npm users (`index.js`) and the lazily loaded panel
 *   (`pulse-chat-panel.js`, which the script-tag file imports by URL);
 * - `--mode embed`: `pulse-chat.js`, a classic script holding only the bubble.
 */
export default defineConfig(({ mode }) => ({
  // The server's message limit, inlined as a plain number at build time: the widget stays in
  // step with backend/src/sessions/dto/limits.ts without shipping any of the backend.
  define: {
    __PULSE_VERSION__: JSON.stringify(version),
    __PULSE_MESSAGE_MAX_LENGTH__: JSON.stringify(LIMITS.messageLength),
  },
  build:
    mode === 'embed'
      ? {
          target: 'es2022',
          emptyOutDir: false,
          minify: true,
          lib: { entry: 'src/embed.ts', formats: ['iife'], name: 'PulseChatEmbed', fileName: () => 'pulse-chat.js' },
        }
      : {
          target: 'es2022',
          emptyOutDir: true,
          minify: true,
          manifest: true,
          modulePreload: false,
          copyPublicDir: false,
          rolldownOptions: {
            input: { index: 'src/index.ts', 'pulse-chat-panel': 'src/components/pulse-chat-panel/define.ts' },
            preserveEntrySignatures: 'strict',
            output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
          },
        },
}));
