import type { AccessClaims } from './claims';
import type { KeyRing } from './key-ring';
import { resolveTokenOptions, type TokenOptions } from './token-options';
import type { VerifiedTokenCache } from './verified-token-cache';
import { checkTokenTimes, verifyToken, type VerifiedToken } from './verify-access-token';

/**
 * The request path's verifier. A token seen before (the same token comes with every request of a
 * session) is found in the cache by the exact string the client sent: the token itself (Bearer),
 * or the raw value of the session cookie that carries it, which also saves decoding the cookie.
 * On a hit only the times (`exp`, `nbf`, `iat`, with the clock tolerance) are checked again; any
 * other token is verified in full and, if it passes, remembered under that string. A token that
 * fails is never remembered. The caller checks revocation and staleness on every use either way.
 *
 * The two kinds of key cannot be confused: a compact JWS always holds a `.`, and the base64 of a
 * cookie value never does (a cookie value with a `.` is never cached).
 */
export interface CachedTokenVerifier {
  /** Verify a token (cached under the token). Throws the typed token errors. */
  verify(token: string): AccessClaims;
  /** The claims remembered for a session cookie's raw value, checked for time; undefined if none. */
  cachedCookie(value: string): AccessClaims | undefined;
  /** Verify the token a session cookie value carried, and remember it under that value. */
  verifyCookie(value: string, token: string): AccessClaims;
}

export function createCachedTokenVerifier(
  keyRing: KeyRing,
  options: TokenOptions,
  cache: VerifiedTokenCache | undefined,
  onVerified?: (claims: AccessClaims, kid: string | undefined) => void,
): CachedTokenVerifier {
  const o = resolveTokenOptions(options);
  /** Verify in full (never a cache hit), and tell `onVerified` which key did it. */
  const verifyFully = (token: string): VerifiedToken => {
    const verified = verifyToken(token, keyRing, o, false);
    onVerified?.(verified.claims, verified.kid);
    return verified;
  };
  const cached = (key: string): AccessClaims | undefined => {
    const hit = cache!.get(key);
    if (hit === undefined) return undefined;
    checkTokenTimes(hit, o, false);
    return hit.claims;
  };
  if (cache === undefined) {
    const verify = (token: string): AccessClaims => verifyFully(token).claims;
    return { verify, cachedCookie: () => undefined, verifyCookie: (_value, token) => verify(token) };
  }
  return {
    verify(token) {
      const isToken = typeof token === 'string' && token.includes('.');
      const hit = isToken ? cached(token) : undefined;
      if (hit !== undefined) return hit;
      const verified = verifyFully(token);
      return isToken ? cache.add(token, verified).claims : verified.claims;
    },
    cachedCookie(value) {
      return value.includes('.') ? undefined : cached(value);
    },
    verifyCookie(value, token) {
      const verified = verifyFully(token);
      return value.includes('.') ? verified.claims : cache.add(value, verified).claims;
    },
  };
}
