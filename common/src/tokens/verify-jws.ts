import jwt from 'jsonwebtoken';
import { TokenInvalidError } from '../errors/token-errors';
import { decodeJsonSegment } from './decode-segment';
import type { JwtKey } from './key-ring';

/**
 * A non-empty base64url signature (no `alg: none`), required in canonical form (what re-encoding
 * its bytes gives): base64 decoding skips stray characters and ignores the unused low bits of the
 * last one, which would let several spellings verify. Header and payload are held to the same
 * standard when they are decoded (`decodeJsonSegment`).
 */
const SIGNATURE = /^[A-Za-z0-9_-]+$/;

/**
 * Check the signature of a compact JWS with one key and return its payload, parsed. The key's
 * algorithm is the only one accepted (the caller chose the key from the header's `kid` and `alg`).
 * The signature is checked by jsonwebtoken (`KeyObject`, `algorithms` pinned to the key's; its
 * time and claim checks are left to `verifyAccessToken`, which makes them with our tolerance and
 * error types). Around it, what jsonwebtoken does not require: three segments, a canonical
 * base64url signature, and header and payload decoded strictly (`decodeJsonSegment`), so no two
 * spellings of one token verify. With the verified-token cache a token is verified once per
 * instance, not once per request, so the library's cost over `node:crypto` directly (about 1.5× on
 * HS256, nothing measurable on ES256 and RS256, where the signature math dominates) is paid rarely.
 */
export function verifyJws(token: string, key: JwtKey): Record<string, unknown> {
  const firstDot = token.indexOf('.');
  const lastDot = token.lastIndexOf('.');
  const encodedSignature = token.slice(lastDot + 1);
  if (token.indexOf('.', firstDot + 1) !== lastDot || !SIGNATURE.test(encodedSignature)) {
    throw new TokenInvalidError('Token is not a signed compact JWS');
  }
  const signature = Buffer.from(encodedSignature, 'base64url');
  if (signature.toString('base64url') !== encodedSignature)
    throw new TokenInvalidError('Signature is not canonical base64url');
  try {
    jwt.verify(token, key.verifyKey, { algorithms: [key.alg], ignoreExpiration: true, ignoreNotBefore: true });
  } catch (err) {
    throw new TokenInvalidError(
      err instanceof Error && err.message === 'invalid signature'
        ? 'Invalid signature'
        : 'Token refused by the JWS check',
      { cause: err },
    );
  }
  const payload = decodeJsonSegment(token.slice(firstDot + 1, lastDot), 'payload');
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw new TokenInvalidError('Token payload is not an object');
  return payload as Record<string, unknown>;
}
