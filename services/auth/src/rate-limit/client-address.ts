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
  return ipv6Prefix(address as ipaddr.IPv6, 4);
}

/**
 * The wider network a client address belongs to, for the looser per-network limits: an IPv6
 * address's /48, the largest block commonly handed to one site (home ISPs give a /56 to a /48, VPS
 * providers a /48), whose holder can pick any of its 65,536 /64s. Undefined for IPv4 (counted per
 * address only: a /24 is shared by unrelated clients behind carrier NAT) and for anything that is
 * not an address.
 */
export function clientNetworkKey(ip: string | undefined): string | undefined {
  if (!ip || !ipaddr.isValid(ip)) return undefined;
  const address = ipaddr.process(ip);
  return address.kind() === 'ipv6' ? ipv6Prefix(address as ipaddr.IPv6, 3) : undefined;
}

/** `groups` 16-bit groups of an IPv6 address, as a prefix key (4 → /64, 3 → /48). */
function ipv6Prefix(address: ipaddr.IPv6, groups: number): string {
  const prefix = address.parts.slice(0, groups).map((part) => part.toString(16));
  return `${prefix.join(':')}::/${groups * 16}`;
}
