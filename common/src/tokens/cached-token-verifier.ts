import type { AccessClaims } from './claims';
import type { KeyRing } from './key-ring';
import { resolveTokenOptions, type TokenOptions } from './token-options';
import type { VerifiedTokenCache } from './verified-token-cache';
import { checkTokenTimes, verifyToken } from './verify-access-token';

/**
 * A verifier for the request path: a token seen before (the same token comes with every request of
 * a session) is looked up in `cache` by its exact string, and only its times (`exp`, `nbf`, `iat`,
 * with the clock tolerance) are checked again; any other token is verified in full and, if it
 * passes, remembered. A token that fails is never remembered. Without a cache, every token is
 * verified in full. The caller checks revocation and staleness on every use either way.
 */
export function createCachedTokenVerifier(
  keyRing: KeyRing,
  options: TokenOptions,
  cache: VerifiedTokenCache | undefined,
): (token: string) => AccessClaims {
  const o = resolveTokenOptions(options);
  if (cache === undefined) return (token) => verifyToken(token, keyRing, o, false).claims;
  return (token) => {
    const hit = cache.get(token);
    if (hit !== undefined) {
      checkTokenTimes(hit, o, false);
      return hit.claims;
    }
    return cache.add(token, verifyToken(token, keyRing, o, false)).claims;
  };
}
