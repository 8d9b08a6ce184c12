import ipaddr from 'ipaddr.js';
import { ConfigError } from '@authbus/common';
import { present } from './present';

/** A value for Express's `trust proxy`: a hop count, a list of addresses/subnets/names, or all/none. */
export type TrustProxy = number | string | boolean;

/**
 * `TRUST_PROXY`, read alike by every service: who may tell us the client's address
 * (`X-Forwarded-For`) and scheme. By default only loopback: the local gateway, which overwrites
 * `X-Forwarded-For` with its peer's address. Believing any
 * private address (Express's usual advice) lets anyone who reaches the service from inside the
 * network, or any header a proxy passes through, pick the address the rate limits count against.
 *
 * - a number n: trust the n hops nearest to us (Kubernetes: `1`, the ingress-nginx pod, which
 *   replaces X-Forwarded-For with its peer's address unless `use-forwarded-headers` is on);
 * - `loopback`, `linklocal`, `uniquelocal`, addresses and CIDR subnets, comma-separated;
 * - `true` (every hop: only behind a proxy that strips the header) or `false` (none).
 */
export function parseTrustProxy(value: string | undefined, name = 'TRUST_PROXY'): TrustProxy {
  if (!present(value)) return 'loopback';
  const text = value.trim();
  if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > 10) throw new ConfigError(`${name}="${value}": a hop count must be from 0 to 10`);
    return hops;
  }
  const entries = text.split(',').map((e) => e.trim());
  for (const entry of entries) {
    if (entry === 'loopback' || entry === 'linklocal' || entry === 'uniquelocal') continue;
    if (entry.includes('/') ? isCidr(entry) : ipaddr.isValid(entry)) continue;
    throw new ConfigError(
      `${name}="${value}": "${entry}" is not a hop count, an address, a CIDR subnet, loopback, linklocal or uniquelocal`,
    );
  }
  return entries.join(', ');
}

function isCidr(entry: string): boolean {
  try {
    ipaddr.parseCIDR(entry);
    return true;
  } catch {
    return false;
  }
}
