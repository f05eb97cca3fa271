import type { IncomingMessage, ServerResponse } from 'node:http';
import { addressKey, warnOnceAboutUntrustedProxy } from './client-address.js';

describe('addressKey', () => {
  it('counts an IPv4 client by its address, written the same whether or not it came IPv6-mapped', () => {
    expect(addressKey('203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
  });

  it('counts an IPv6 client by its /64, so rotating the interface id does not buy fresh budgets', () => {
    const key = addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd');
    expect(key).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002::1')).toBe(key);
    expect(addressKey('2001:db8:1:2::1%eth0')).toBe(key);
    expect(addressKey('2001:db8:1:3::1')).not.toBe(key);
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(addressKey('64:ff9b:1:2::203.0.113.9')).toBe('64:ff9b:1:2::/64');
  });

  it('still gives a key when the address is unknown', () => {
    expect(addressKey(undefined)).toBe('unknown');
  });
});

describe('warnOnceAboutUntrustedProxy', () => {
  it('warns at the first request that came through a proxy, and only then', () => {
    const warnings: string[] = [];
    const middleware = warnOnceAboutUntrustedProxy((message) => warnings.push(message));
    const pass = (headers: Record<string, string>) => {
      let passed = false;
      middleware({ headers } as IncomingMessage, {} as ServerResponse, () => (passed = true));
      expect(passed).toBe(true);
    };
    pass({});
    expect(warnings).toEqual([]);
    pass({ 'x-forwarded-for': '198.51.100.7' });
    pass({ 'x-forwarded-for': '198.51.100.8' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('TRUST_PROXY');
  });
});
