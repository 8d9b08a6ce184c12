import { parseTrustProxy } from '@authbus/service-kit';

describe('parseTrustProxy', () => {
  it('trusts loopback only (the local gateway) when unset or blank', () => {
    expect(parseTrustProxy(undefined)).toBe('loopback');
    expect(parseTrustProxy(' ')).toBe('loopback');
  });

  it('reads true and false in any case', () => {
    expect(parseTrustProxy('true')).toBe(true);
    expect(parseTrustProxy('TRUE')).toBe(true);
    expect(parseTrustProxy('False')).toBe(false);
  });

  it('reads a hop count from 0 to 10', () => {
    expect(parseTrustProxy('1')).toBe(1);
    expect(parseTrustProxy('0')).toBe(0);
    expect(() => parseTrustProxy('11')).toThrow('TRUST_PROXY="11": a hop count must be from 0 to 10');
  });

  it('reads addresses, CIDR subnets and the named ranges, comma-separated', () => {
    expect(parseTrustProxy('loopback, 10.0.0.0/8,fd00::/8, 192.0.2.1')).toBe(
      'loopback, 10.0.0.0/8, fd00::/8, 192.0.2.1',
    );
    expect(parseTrustProxy('linklocal,uniquelocal')).toBe('linklocal, uniquelocal');
  });

  it('refuses anything else, naming the variable and the entry', () => {
    expect(() => parseTrustProxy('ingress')).toThrow(/^TRUST_PROXY="ingress": "ingress" is not a hop count/);
    expect(() => parseTrustProxy('10.0.0.0/99')).toThrow(/"10\.0\.0\.0\/99" is not/);
    expect(() => parseTrustProxy('192.0.2.300')).toThrow(/TRUST_PROXY/);
  });
});
