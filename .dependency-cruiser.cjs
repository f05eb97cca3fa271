// `npm run deps`: the backend's imports run downward only. config is the bottom (it imports
// nothing else from src), common sits on it, database on both, and the features on all three.
// CommonJS because dependency-cruiser loads its configuration with require().
const FEATURES =
  'auth|chat|sessions|feedback|export|search|rate-limit|ai|demo|health|streams|memory|attachments|usage|admin|webhooks|tools';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A circle of imports has no top to read from; split out what both sides need.',
      from: { path: '^backend/src/' },
      to: { circular: true },
    },
    {
      name: 'config-imports-only-config',
      severity: 'error',
      comment: 'config/ is read by everything, so it imports nothing else from src.',
      from: { path: '^backend/src/config/' },
      to: { path: '^backend/src/', pathNot: '^backend/src/config/' },
    },
    {
      name: 'common-imports-only-config',
      severity: 'error',
      comment: 'common/ serves every layer: it may import config/, nothing above it.',
      from: { path: '^backend/src/common/' },
      to: { path: '^backend/src/', pathNot: '^backend/src/(common|config)/' },
    },
    {
      name: 'database-imports-no-feature',
      severity: 'error',
      comment: 'database/ is infrastructure under the features: they import it, never the reverse.',
      from: { path: '^backend/src/database/' },
      to: { path: `^backend/src/(${FEATURES})/` },
    },
    {
      name: 'resolvable',
      severity: 'error',
      comment: 'An import the checker cannot resolve would slip past every rule above.',
      from: { path: '^backend/src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Through backend's tsconfig (nodenext), `./x.js` in a .ts file resolves to ./x.ts.
    tsConfig: { fileName: 'backend/tsconfig.json' },
    // TypeScript 7.0 has no compiler API for dependency-cruiser to parse with; swc (backend's
    // jest transform) reads the same imports. Type-only ones count too: a layer that needs
    // another's types depends on it all the same.
    parser: 'swc',
    // Packages that have only an `exports` map (eventsource-parser, gpt-tokenizer's subpaths).
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
