import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

/**
 * The id of a service credential: the RFC 7638 JWK thumbprint (SHA-256, base64url) of its public
 * key. Both sides compute it from the key itself (the service from its private key, auth from the
 * public key it was given), so nothing needs to be configured twice, and revoking a credential
 * names exactly one key.
 */
export function credentialIdOf(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = publicKey.export({ format: 'jwk' });
  // The required members only, in lexicographic order, no whitespace (RFC 7638 §3.2).
  const canonical =
    jwk.kty === 'EC'
      ? JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })
      : JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
  return createHash('sha256').update(canonical).digest('base64url');
}
