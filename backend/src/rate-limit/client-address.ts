import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIPv6 } from 'node:net';

/**
 * The key a client address is counted under. IPv6 counts per /64: one subscriber usually
 * holds a whole /64, and could otherwise take a fresh address for every request.
 */
export function addressKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  const address = ip.split('%')[0];
  if (!isIPv6(address)) return ip;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, `::` filled in and leading zeros dropped. */
function expandIPv6(address: string): string[] {
  const [head, tail] = address.split('::') as [string, string?];
  const groups = (part: string | undefined) => (part ? part.split(':').flatMap(ipv4Groups) : []);
  const left = groups(head);
  const right = groups(tail);
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16).toString(16));
}

/** An embedded IPv4 tail (`::ffff:1.2.3.4`, `64:ff9b::1.2.3.4`) is two groups. */
function ipv4Groups(group: string): string[] {
  if (!group.includes('.')) return [group];
  const [a, b, c, d] = group.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}

/**
 * Without TRUST_PROXY every client behind a proxy has the proxy's address, and so shares
 * one AUTH_FAILURES_PER_MINUTE budget with all the others: say so once, at the first
 * request that shows a proxy was in the way.
 */
export function warnOnceAboutUntrustedProxy(warn: (message: string) => void) {
  let warned = false;
  return (req: IncomingMessage, _res: ServerResponse, next: () => void): void => {
    if (!warned && req.headers['x-forwarded-for'] !== undefined) {
      warned = true;
      warn(
        'A request came through a proxy (X-Forwarded-For) but TRUST_PROXY is unset, so its clients share ' +
          "the proxy's address and per-address limits; set TRUST_PROXY to the proxy's hop count or address.",
      );
    }
    next();
  };
}
