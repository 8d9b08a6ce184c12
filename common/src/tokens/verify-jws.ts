import { createHmac, timingSafeEqual, verify as verifySignature } from 'node:crypto';
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
 * Uses node:crypto directly: the same checks jsonwebtoken makes (its tests are run against this
 * in `test/tokens/verify-differential.test.ts`) in about half the time, on the path every request takes.
 */
export function verifyJws(token: string, key: JwtKey): Record<string, unknown> {
  const firstDot = token.indexOf('.');
  const lastDot = token.lastIndexOf('.');
  const encodedSignature = token.slice(lastDot + 1);
  if (token.indexOf('.', firstDot + 1) !== lastDot || !SIGNATURE.test(encodedSignature)) {
    throw new TokenInvalidError('Token is not a signed compact JWS');
  }
  const signingInput = token.slice(0, lastDot);
  const signature = Buffer.from(encodedSignature, 'base64url');
  if (signature.toString('base64url') !== encodedSignature)
    throw new TokenInvalidError('Signature is not canonical base64url');
  if (!signatureMatches(key, signingInput, signature)) throw new TokenInvalidError('Invalid signature');
  const payload = decodeJsonSegment(token.slice(firstDot + 1, lastDot), 'payload');
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw new TokenInvalidError('Token payload is not an object');
  return payload as Record<string, unknown>;
}

function signatureMatches(key: JwtKey, signingInput: string, signature: Buffer): boolean {
  switch (key.alg) {
    case 'HS256': {
      const expected = createHmac('sha256', key.verifyKey).update(signingInput).digest();
      return signature.length === expected.length && timingSafeEqual(signature, expected);
    }
    case 'ES256':
      // JWS carries the raw r||s pair, not DER.
      return (
        signature.length === 64 &&
        verifySignature(
          'sha256',
          Buffer.from(signingInput),
          { key: key.verifyKey, dsaEncoding: 'ieee-p1363' },
          signature,
        )
      );
    case 'RS256':
      return verifySignature('sha256', Buffer.from(signingInput), key.verifyKey, signature);
  }
}
