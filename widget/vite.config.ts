import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * Two builds into dist/:
 * - default: ES modules for npm users (`index.js`) and the lazily loaded panel
 *   (`pulse-chat-panel.js`, which the script-tag file imports by URL);
 * - `--mode embed`: `pulse-chat.js`, a classic script holding only the bubble.
 */
export default defineConfig(({ mode }) => ({
  define: { __PULSE_VERSION__: JSON.stringify(version) },
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
