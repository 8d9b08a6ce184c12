import type { JwtKey } from './key-ring';

/** A P-256 public key as a JWK (RFC 7517, RFC 7518 §6.2), for ES256. */
export interface EcPublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

/** An RSA public key as a JWK (RFC 7518 §6.3), for RS256. */
export interface RsaPublicJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  alg: 'RS256';
  use: 'sig';
}

/** A public signing key as authbus publishes it. */
export type PublicJwk = EcPublicJwk | RsaPublicJwk;

/** A JWK Set (RFC 7517 §5): what `GET /.well-known/jwks.json` answers. */
export interface JsonWebKeySet {
  keys: PublicJwk[];
}

/**
 * The public half of a key as a JWK, or `undefined` for an HS256 secret: a shared secret is never
 * published (whoever can read it can sign). Only the public members are copied; the private
 * scalar of a key this process signs with never leaves it.
 */
export function publicJwkOf(key: JwtKey): PublicJwk | undefined {
  if (key.alg === 'HS256') return undefined;
  const jwk = key.verifyKey.export({ format: 'jwk' });
  if (key.alg === 'ES256') {
    return { kty: 'EC', crv: 'P-256', x: String(jwk.x), y: String(jwk.y), kid: key.kid, alg: 'ES256', use: 'sig' };
  }
  return { kty: 'RSA', n: String(jwk.n), e: String(jwk.e), kid: key.kid, alg: 'RS256', use: 'sig' };
}

/** The JWK Set of a ring's public keys (HS256 secrets left out), in the ring's order. */
export function jwksOf(keys: readonly JwtKey[]): JsonWebKeySet {
  const out: PublicJwk[] = [];
  for (const key of keys) {
    const jwk = publicJwkOf(key);
    if (jwk) out.push(jwk);
  }
  return { keys: out };
}
