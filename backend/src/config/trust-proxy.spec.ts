import { AppConfig } from './app-config.js';
import { loadEnvironment } from './environment.js';
import { parseTrustProxy } from './trust-proxy.js';

describe('TRUST_PROXY', () => {
  it('trusts no proxy by default: the client address is the connection’s', () => {
    expect(AppConfig.fromEnvironment({}).http.trustProxy).toBe(false);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('0')).toBe(false);
  });

  it('takes a hop count or a list of proxy addresses, CIDRs and named ranges', () => {
    expect(AppConfig.fromEnvironment({ TRUST_PROXY: '2' }).http.trustProxy).toBe(2);
    expect(parseTrustProxy('10.0.0.0/8, 192.168.1.7,loopback')).toEqual(['10.0.0.0/8', '192.168.1.7', 'loopback']);
    expect(parseTrustProxy('fd00::/8, ::1, uniquelocal, linklocal')).toEqual([
      'fd00::/8',
      '::1',
      'uniquelocal',
      'linklocal',
    ]);
  });

  it.each([
    ['true', 'trusting every hop lets a client choose its own address'],
    ['*', 'not an address'],
    ['10.0.0.0/33', 'prefix too long for IPv4'],
    ['fd00::/129', 'prefix too long for IPv6'],
    ['10.0.0.1/8/1', 'two prefixes'],
    ['proxy.internal', 'a host name'],
    ['10.0.0.1,', 'an empty entry'],
    ['99', 'more hops than any real chain'],
  ])('refuses %s at start (%s), naming the variable', (value) => {
    expect(parseTrustProxy(value)).toBeUndefined();
    expect(() => loadEnvironment({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
  });
});
