// Here, in the lowest layer, so the environment and the query DTOs read text the same way
// without config importing from above it.

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

/**
 * Reads a boolean written as text (an environment variable, a query parameter), any case.
 * Anything else is returned as given, so `@IsBoolean()` refuses it: a typo such as `flase`
 * must not quietly mean false.
 */
export function toBoolean(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return value;
}

/** A comma-separated list, each entry trimmed; empty entries (`a,,b`, a trailing comma) are dropped. */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
