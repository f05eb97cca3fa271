import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';
import { LIMITS } from '../backend/src/sessions/dto/limits.ts';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * Scans the template literal whose opening backtick is at `start`, handing each static part to
 * `edit` and recursing into `${…}` expressions; returns the edited literal and where it ended.
 * Enough JavaScript for our own sources: strings, nested templates and braces in expressions.
 */
function scanTemplate(src: string, start: number, edit: (part: string) => string): [string, number] {
  let out = '`';
  let part = '';
  let i = start + 1;
  for (;;) {
    if (i >= src.length) throw new Error('unterminated template literal');
    const c = src[i];
    if (c === '\\') {
      part += src.slice(i, i + 2);
      i += 2;
    } else if (c === '`') {
      return [out + edit(part) + '`', i + 1];
    } else if (c === '$' && src[i + 1] === '{') {
      out += edit(part) + '${';
      part = '';
      i += 2;
      for (let depth = 1; depth;) {
        const d = src[i]!;
        if (d === '`') {
          const [inner, end] = scanTemplate(src, i, tagged(src, i) ? edit : (x) => x);
          out += inner;
          i = end;
          continue;
        }
        // Strings and comments are copied whole, so a brace or quote inside them is no token.
        const skip =
          d === "'" || d === '"'
            ? src.indexOf(d, i + 1) + 1
            : src.startsWith('//', i)
              ? src.indexOf('\n', i)
              : src.startsWith('/*', i)
                ? src.indexOf('*/', i) + 2
                : i;
        if (skip > i) {
          out += src.slice(i, skip);
          i = skip;
          continue;
        }
        if (d === '{') depth++;
        else if (d === '}') depth--;
        if (depth) out += d;
        i++;
      }
      out += '}';
    } else {
      part += c;
      i++;
    }
  }
}

/** Whether the backtick at `i` opens a lit html`…` template. */
const tagged = (src: string, i: number) => /\bhtml$/.test(src.slice(Math.max(0, i - 5), i));

/**
 * The minifier leaves template literals alone, so lit's html`…` and css`…` keep their source
 * indentation. This collapses it: in html, a whitespace run with a line break renders as one
 * space anyway (no <pre> or <textarea> content in our templates); css loses what the syntax
 * does not need. Runs on our own sources only, before the TypeScript transform.
 */
function minifyTemplates(): Plugin {
  const html = (part: string) => part.replace(/\s*\n\s*/g, ' ');
  const css = (part: string) =>
    part
      .replace(/\/\*[^]*?\*\//g, '')
      .replace(/\s+/g, ' ')
      .replace(/ ?([{};,]) ?/g, '$1')
      .replace(/: /g, ':')
      .replace(/;}/g, '}')
      .trim();
  return {
    name: 'pulse-minify-templates',
    enforce: 'pre',
    transform(code, id) {
      if (!/\/widget\/src\/.*\.ts$/.test(id)) return null;
      let out = '';
      let from = 0;
      // lit's tags, or a plain string marked /* css */ (the bubble's stylesheet, which has no lit).
      for (const m of code.matchAll(/\b(html|css)`|\/\* css \*\/ `/g)) {
        const at = m.index + m[0].length - 1;
        if (at < from) continue;
        const [literal, end] = scanTemplate(code, at, m[1] === 'html' ? html : css);
        out += code.slice(from, at) + literal;
        from = end;
      }
      if (!from) return null;
      out += code.slice(from);
      // Only whitespace, CSS comments and a last ';' before '}' may go; anything else is a scan gone wrong.
      const bare = (s: string) =>
        s
          .replace(/\/\*[^]*?\*\//g, '')
          .replace(/;(?=\s*})/g, '')
          .replace(/\s+/g, '');
      if (bare(out) !== bare(code)) throw new Error(`pulse-minify-templates: could not scan ${id}`);
      return { code: out, map: null };
    },
  };
}

/**
 * Vite wraps every dynamic import in its preload helper even with `modulePreload: false`
 * (vitejs/vite#18551, #13952). Ours have nothing to preload (no CSS files, no JS preloads), so the
 * helper only calls the import, after 1.7 KB of code (760 bytes brotli) every embed downloads. This
 * swaps its body for that call, keeping its export name; a helper of another shape fails the build.
 */
function slimPreloadHelper(): Plugin {
  return {
    name: 'pulse-slim-preload-helper',
    apply: 'build',
    generateBundle(_, bundle) {
      const files = Object.keys(bundle);
      if (files.some((f) => f.endsWith('.css')))
        throw new Error('pulse-slim-preload-helper: CSS chunks need the helper');
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk' || chunk.name !== 'preload-helper') continue;
        const name = /export\s*\{\s*\w+ as (\w+)\s*\};?\s*$/.exec(chunk.code)?.[1];
        if (!name || !chunk.code.includes('vite:preloadError')) {
          throw new Error(`pulse-slim-preload-helper: unexpected helper in ${chunk.fileName}`);
        }
        chunk.code = `const p=(f)=>f();export{p as ${name}};\n`;
      }
    },
  };
}

/**
 * The site owner's dashboard (`--mode admin`): a page of its own, built from src/admin/ into
 * dist-admin/, which the server serves at /admin/. Outside dist/, so it is neither in the
 * widget's size budget nor in the npm package, and no embed can load it.
 */
const admin = defineConfig({
  root: 'src/admin',
  base: './',
  publicDir: false,
  plugins: [minifyTemplates()],
  build: { target: 'es2022', outDir: '../../dist-admin', emptyOutDir: true, minify: true, modulePreload: false },
});

/**
 * Two builds into dist/:
 * - default: ES modules for npm users (`index.js`) and the lazily loaded panel
 *   (`pulse-chat-panel.js`, which the script-tag file imports by URL);
 * - `--mode embed`: `pulse-chat.js`, a classic script holding only the bubble.
 * And the dashboard, `--mode admin` (above).
 */
export default defineConfig(({ mode }) =>
  mode === 'admin'
    ? admin
    : {
        // The server's message limit, inlined as a plain number at build time: the widget stays in
        // step with backend/src/sessions/dto/limits.ts without shipping any of the backend.
        define: {
          __PULSE_VERSION__: JSON.stringify(version),
          __PULSE_MESSAGE_MAX_LENGTH__: JSON.stringify(LIMITS.messageLength),
        },
        plugins: [minifyTemplates(), slimPreloadHelper()],
        build:
          mode === 'embed'
            ? {
                target: 'es2022',
                emptyOutDir: false,
                minify: true,
                lib: {
                  entry: 'src/embed.ts',
                  formats: ['iife'],
                  name: 'PulseChatEmbed',
                  fileName: () => 'pulse-chat.js',
                },
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
                  output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash:6].js' },
                },
              },
      },
);
