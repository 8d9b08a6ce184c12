import { clientAddressKey, clientNetworkKey } from '../../src/rate-limit/client-address';

describe('clientAddressKey', () => {
  it('keeps an IPv4 address as it is, and maps an IPv4-mapped IPv6 address to it', () => {
    expect(clientAddressKey('198.51.100.7')).toBe('198.51.100.7');
    expect(clientAddressKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(clientAddressKey('::FFFF:c633:6407')).toBe('198.51.100.7');
  });

  it('keys an IPv6 address by its /64, however it is written', () => {
    const key = clientAddressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd');
    expect(key).toBe('2001:db8:1:2::/64');
    expect(clientAddressKey('2001:0DB8:0001:0002::1')).toBe(key);
    expect(clientAddressKey('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(key);
    expect(clientAddressKey('2001:db8:1:3::1')).not.toBe(key);
    expect(clientAddressKey('::1')).toBe('0:0:0:0::/64');
    expect(clientAddressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('keeps anything else recognisable but bounded', () => {
    expect(clientAddressKey(undefined)).toBe('unknown');
    expect(clientAddressKey('')).toBe('unknown');
    expect(clientAddressKey('not-an-address')).toBe('raw:not-an-address');
    expect(clientAddressKey('x'.repeat(1000))).toHaveLength('raw:'.length + 64);
  });
});

describe('clientNetworkKey', () => {
  it('keys an IPv6 address by its /48, and has no network for IPv4 or anything else', () => {
    const key = clientNetworkKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd');
    expect(key).toBe('2001:db8:1::/48');
    expect(clientNetworkKey('2001:0DB8:0001:ffff::1')).toBe(key);
    expect(clientNetworkKey('2001:db8:2::1')).not.toBe(key);
    expect(clientNetworkKey('198.51.100.7')).toBeUndefined();
    expect(clientNetworkKey('::ffff:198.51.100.7')).toBeUndefined();
    expect(clientNetworkKey(undefined)).toBeUndefined();
    expect(clientNetworkKey('not-an-address')).toBeUndefined();
  });
});
