// Types for index.mjs.
export * from './built-server.mjs';
export * from './eventually.mjs';
export * from './openai-upstream.mjs';
export * from './sse.mjs';
export * from './tokens.mjs';
export * from './screenshots.mjs';
