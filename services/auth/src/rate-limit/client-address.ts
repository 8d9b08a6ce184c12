import ipaddr from 'ipaddr.js';

/** Longest key kept for a value that is not an address (a trusted proxy sent something odd). */
const MAX_RAW_LENGTH = 64;

/**
 * The key the rate limits count a client under, from `req.ip` (which Express derives from the
 * peer address and, for trusted proxies only, `X-Forwarded-For`):
 *
 * - IPv4: the address, normalised (`::ffff:192.0.2.7`, the form a dual-stack socket reports, is
 *   the same client as `192.0.2.7`);
 * - IPv6: its /64. One subscriber, host or VM usually gets a whole /64 and can pick any of its
 *   2^64 addresses, so counting per address would give them unlimited attempts.
 *
 * Anything else is kept as given, truncated: only a trusted proxy can put it there.
 */
export function clientAddressKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  if (!ipaddr.isValid(ip)) return `raw:${ip.slice(0, MAX_RAW_LENGTH)}`;
  const address = ipaddr.process(ip); // an IPv4-mapped IPv6 address becomes the IPv4 address
  if (address.kind() === 'ipv4') return address.toString();
  const prefix = (address as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
  return `${prefix.join(':')}::/64`;
}
