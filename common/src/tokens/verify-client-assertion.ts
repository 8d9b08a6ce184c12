import type { KeyObject } from 'node:crypto';
import { TokenInvalidError } from '../errors/token-errors';
import { MAX_CLIENT_ASSERTION_SECONDS } from './client-assertion';
import { decodeHeader } from './decode-header';
import { verifyJws } from './verify-jws';

/** A verified client assertion: who authenticated, with which credential, and its `jti` for replay checks. */
export interface VerifiedClientAssertion {
  service: string;
  credential: string;
  jti: string;
  /** Seconds since the epoch. */
  exp: number;
}

/** How to verify client assertions. */
export interface ClientAssertionOptions {
  /** The key of a credential id (the assertion's `kid`), and whose it is. */
  findKey(credential: string): { service: string; publicKey: KeyObject } | undefined;
  /** The auth service's issuer identifier: the only `aud` accepted. */
  issuer: string;
  clockToleranceSeconds: number;
  now: () => number;
}

/**
 * Verify a private-key JWT client assertion (RFC 7523 §3): ES256 with the key its `kid` names;
 * `iss` and `sub` both the service that key belongs to (a service cannot authenticate as another
 * with its own key); `aud` exactly the issuer identifier (a single string, per
 * draft-ietf-oauth-rfc7523bis); `exp` present and at most `MAX_CLIENT_ASSERTION_SECONDS` ahead;
 * no `iat`/`nbf` in the future; a `jti`. Replay of the `jti` is the caller's check. Throws
 * `TokenInvalidError` saying why.
 */
export function verifyClientAssertion(assertion: string, options: ClientAssertionOptions): VerifiedClientAssertion {
  const header = decodeHeader(assertion);
  if (header.crit !== undefined) throw new TokenInvalidError('Assertion header has critical extensions');
  if (header.alg !== 'ES256') throw new TokenInvalidError('Assertions must be ES256');
  if (header.kid === undefined) throw new TokenInvalidError('Assertion has no kid (the credential id)');
  const owner = options.findKey(header.kid);
  if (!owner) throw new TokenInvalidError('Unknown credential');
  const payload = verifyJws(assertion, { kid: header.kid, alg: 'ES256', verifyKey: owner.publicKey });
  const { iss, sub, aud, exp, iat, nbf, jti } = payload;
  if (iss !== owner.service || sub !== owner.service)
    throw new TokenInvalidError('Assertion iss and sub must be the service the credential belongs to');
  if (aud !== options.issuer) throw new TokenInvalidError('Assertion aud must be the issuer identifier');
  const now = options.now() / 1000;
  const tolerance = options.clockToleranceSeconds;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new TokenInvalidError('Assertion has no exp');
  if (now >= exp + tolerance) throw new TokenInvalidError('Assertion expired');
  if (exp > now + MAX_CLIENT_ASSERTION_SECONDS + tolerance) throw new TokenInvalidError('Assertion lives too long');
  if (typeof iat === 'number' && iat > now + tolerance) throw new TokenInvalidError('Assertion issued in the future');
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + tolerance))
    throw new TokenInvalidError('Assertion not yet valid');
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256)
    throw new TokenInvalidError('Assertion has no jti');
  return { service: owner.service, credential: header.kid, jti, exp };
}
