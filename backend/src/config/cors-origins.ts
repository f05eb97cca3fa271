export interface CorsOrigins {
  /** `*`, or the exact origins a browser sends (`https://shop.example`, `http://localhost:3000`). */
  origins: string[];
  /** Entries that were rewritten into an origin, one line each, for the start-up log. */
  notes: string[];
  /** Entries that are not origins, one line each; start-up fails on any. */
  problems: string[];
}

/**
 * A browser's Origin header is exactly `scheme://host[:port]`: lowercase, no path, no
 * trailing slash. An entry written as a URL (`https://shop.example/`) would never match,
 * so it is cut to its origin and said so; one that cannot be an origin is refused.
 */
export function parseCorsOrigins(entries: string[]): CorsOrigins {
  const result: CorsOrigins = { origins: [], notes: [], problems: [] };
  for (const entry of entries) {
    if (entry === '*') {
      result.origins.push('*');
      continue;
    }
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      result.problems.push(
        `CORS_ORIGINS: "${entry}" is not an origin; write it with its scheme, e.g. https://${entry.replace(/\/+$/, '')}`,
      );
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      result.problems.push(`CORS_ORIGINS: "${entry}" is not an origin; use https://host (or http://host:port)`);
      continue;
    }
    if (url.username || url.password || url.search || url.hash || url.pathname.replace(/\/+$/, '') !== '') {
      result.problems.push(
        `CORS_ORIGINS: "${entry}" has a path, query or credentials; an origin is only scheme://host[:port], e.g. ${url.origin}`,
      );
      continue;
    }
    if (url.origin !== entry) {
      result.notes.push(`CORS_ORIGINS: "${entry}" taken as ${url.origin} (browsers send the origin without a slash)`);
    }
    if (!result.origins.includes(url.origin)) result.origins.push(url.origin);
  }
  return result;
}

const REFUSAL_LOG_INTERVAL_MS = 60_000;
const REFUSAL_LOG_MAX = 1000;

/**
 * The `origin` option of the CORS middleware: allowed origins get their CORS headers,
 * others none (the browser then blocks the response). Each refused origin is reported at
 * most once a minute, so a misconfigured site shows up in the log without flooding it.
 */
export function corsOriginCheck(
  origins: string[],
  onRefused: (origin: string) => void,
): (origin: string | undefined, done: (err: Error | null, allow?: boolean) => void) => void {
  const allowed = new Set(origins);
  const lastLogged = new Map<string, number>();
  return (origin, done) => {
    if (!origin || allowed.has(origin)) return done(null, true);
    const now = Date.now();
    const last = lastLogged.get(origin);
    if (last === undefined || now - last >= REFUSAL_LOG_INTERVAL_MS) {
      // Origins are attacker-chosen: bound the memory they can take.
      if (lastLogged.size >= REFUSAL_LOG_MAX) lastLogged.clear();
      lastLogged.set(origin, now);
      onRefused(origin);
    }
    done(null, false);
  };
}
