import { isIP } from 'node:net';

/** Express's `trust proxy` as Pulse allows it: no proxy, a hop count, or the proxies' addresses. */
export type TrustProxy = false | number | string[];

/** The named ranges Express (proxy-addr) understands. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const MAX_HOPS = 32;

/**
 * Reads TRUST_PROXY; undefined when the value is not valid. `true` (trust every hop) is
 * refused: it would take the client's own X-Forwarded-For as its address, letting anyone
 * pick a fresh address for every request and so escape every per-address limit.
 */
export function parseTrustProxy(value: string | undefined): TrustProxy | undefined {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === 'false' || v === '0') return false;
  if (/^\d+$/.test(v)) return Number(v) <= MAX_HOPS ? Number(v) : undefined;
  // Not splitList: an empty entry (`10.0.0.1,`) is refused here, as a half-edited list of proxies.
  const entries = v.split(',').map((s) => s.trim());
  return entries.every(isProxyAddress) ? entries : undefined;
}

function isProxyAddress(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/') as [string, string?, ...string[]];
  const family = isIP(address);
  if (!family || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}
