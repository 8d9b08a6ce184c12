import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { AccessClaims, AccessTokenSubject } from './claims';
import type { KeyRing } from './key-ring';
import { resolveTokenOptions, type TokenOptions } from './token-options';

/** Options for signing: the token options plus the lifetime. */
export interface SignOptions extends TokenOptions {
  /** Lifetime in seconds (`ACCESS_TOKEN_TTL`, default 15 minutes). */
  ttlSeconds?: number;
}

/** A signed token and the exact claims it carries. */
export interface SignedAccessToken {
  token: string;
  claims: AccessClaims;
}

export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

/** A new random id for sessions and tokens: 128 bits, base64url, 22 characters. */
export function newTokenId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Sign an access token with the ring's active key; the `kid` header names the key. `iat` is the
 * clock, never later: verifiers refuse a token issued in the future, and the stream keeps a
 * revocation for one token lifetime after it was made.
 */
export function signAccessToken(
  subject: AccessTokenSubject,
  keyRing: KeyRing,
  options: SignOptions = {},
): SignedAccessToken {
  const { issuer, audience, now } = resolveTokenOptions(options);
  const key = keyRing.signer();
  const iat = Math.floor(now() / 1000);
  const claims: AccessClaims = {
    sub: subject.sub,
    email: subject.email,
    roles: [...subject.roles],
    sid: subject.sid,
    jti: subject.jti ?? newTokenId(),
    gen: subject.gen,
    iat,
    exp: iat + (options.ttlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS),
    iss: issuer,
    aud: audience,
  };
  const token = jwt.sign(claims, key.signKey!, { algorithm: key.alg, keyid: key.kid });
  return { token, claims };
}
