// Types for eventually.mjs.

export class Hopeless extends Error {}

export function eventually<T>(
  what: string,
  check: () => T | Promise<T>,
  options?: { timeoutMs?: number; intervalMs?: number },
): Promise<Exclude<T, false | 0 | 0n | '' | null | undefined>>;
