// @pulse/testkit: what Pulse's suites and benchmarks share, across backend/, widget/, bench/ and
// docker/. Backend-only helpers that need the backend's source (the in-process Nest app, SQL
// seeds through its repositories) stay in backend/test/support/.
export {
  BACKEND_DIR,
  BACKEND_MAIN,
  buildBackend,
  createPostgresDatabase,
  freePort,
  spawnBuiltServer,
  startBalancer,
  startBuiltServer,
  TEST_SERVER_ENV,
  waitReady,
} from './built-server.mjs';
export { eventually, Hopeless } from './eventually.mjs';
export { countTokens, defaultTranscript, silentMp3, splitIntoChunks, startOpenAIUpstream } from './openai-upstream.mjs';
export { eventIds, partsOf, readSse } from './sse.mjs';
export { newUserId, signToken, TEST_SECRET, unsignedToken } from './tokens.mjs';
export { screenshotDir } from './screenshots.mjs';
