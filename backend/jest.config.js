// Jest runs the TypeScript sources through SWC as native ESM (Nest 12 is ESM-only),
// so jest itself must run with NODE_OPTIONS=--experimental-vm-modules.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
    },
    module: { type: 'es6' },
  },
];

const common = {
  transform: { '^.+\\.(t|j)s$': swc },
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
};

export default {
  // Jest reads the timeout of hooks (beforeAll starting an app) from here, not from a project.
  testTimeout: 30000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      testTimeout: 30000,
    },
    // Several built servers behind HAProxy over Postgres and Redis: its own script (npm run test:topology).
    {
      ...common,
      displayName: 'topology',
      testMatch: ['<rootDir>/test/topology/**/*.topology-spec.ts'],
      testTimeout: 120000,
    },
  ],
};
