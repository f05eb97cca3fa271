// The one polling helper of the test suites: wait for a condition, never a fixed sleep.

/** Thrown by a check to stop `eventually` at once: what it waits for can no longer happen. */
export class Hopeless extends Error {}

/**
 * Polls `check` until it returns a truthy value, and resolves with that value. A check that
 * throws is tried again (the thing may not be up yet) unless it throws `Hopeless`. Past
 * `timeoutMs` it fails naming `what` and the last value or error seen.
 */
export async function eventually(what, check, { timeoutMs = 10_000, intervalMs = 25 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      last = `the last check gave ${JSON.stringify(value)}`;
    } catch (err) {
      if (err instanceof Hopeless) throw err;
      last = `the last check threw: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (${last})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
