import { TokenExpiredError, TokenInvalidError, TokenNotYetValidError } from '../errors/token-errors';
import { mapClaims } from './claim-mapping';
import { accessClaimsOf, type AccessClaims } from './claims';
import { decodeHeader } from './decode-header';
import type { KeyRing } from './key-ring';
import { resolveTokenOptions, type ResolvedTokenOptions, type TokenOptions } from './token-options';
import { verifyJws } from './verify-jws';

/** Options for verifying: the token options, plus leniency for refresh. */
export interface VerifyOptions extends TokenOptions {
  /**
   * Accept a token whose `exp` has passed (signature, alg, iss, aud still checked).
   * Only the refresh endpoint does this, and it then checks the session record.
   */
  ignoreExpiration?: boolean;
}

/**
 * Verify an access token fully: key by `kid`, pinned algorithm, signature, `iss`, `aud`, `exp`,
 * `nbf` and `iat` (none in the future; with clock tolerance) and the claim types. Returns the claims or throws a typed error:
 * `TokenInvalidError`, `TokenExpiredError`, `TokenNotYetValidError`, `KeyUnknownError`, `KeyAmbiguousError`.
 */
export function verifyAccessToken(token: string, keyRing: KeyRing, options: VerifyOptions = {}): AccessClaims {
  return verifyWith(token, keyRing, resolveTokenOptions(options), options.ignoreExpiration === true);
}

/**
 * A verifier with its options resolved once, for hot paths (the auth kit builds one at start-up).
 */
export function createTokenVerifier(keyRing: KeyRing, options: TokenOptions = {}): (token: string) => AccessClaims {
  const resolved = resolveTokenOptions(options);
  return (token) => verifyWith(token, keyRing, resolved, false);
}

function verifyWith(token: string, keyRing: KeyRing, o: ResolvedTokenOptions, ignoreExpiration: boolean): AccessClaims {
  const header = decodeHeader(token);
  if (header.crit !== undefined) throw new TokenInvalidError('Token header has critical extensions');
  const payload = verifyJws(token, keyRing.select(header));
  const now = Math.floor(o.now() / 1000);
  const tolerance = o.clockToleranceSeconds;
  const { nbf, exp, iat, iss, aud } = payload;
  if (nbf !== undefined) {
    if (typeof nbf !== 'number') throw new TokenInvalidError('Invalid nbf');
    if (nbf > now + tolerance) throw new TokenNotYetValidError();
  }
  // A token from the future would outlive the retention of the revocations that refuse it.
  if (typeof iat === 'number' && iat > now + tolerance) throw new TokenNotYetValidError('Token issued in the future');
  if (typeof exp !== 'number') throw new TokenInvalidError('Token has no exp');
  if (!ignoreExpiration && now >= exp + tolerance) throw new TokenExpiredError(new Date(exp * 1000));
  if (iss !== o.issuer) throw new TokenInvalidError('Wrong issuer');
  if (!(aud === o.audience || (Array.isArray(aud) && aud.includes(o.audience))))
    throw new TokenInvalidError('Wrong audience');
  const claims = o.claims ? mapClaims(payload, o.claims, { iss: o.issuer, aud: o.audience }) : accessClaimsOf(payload);
  if (!claims) throw new TokenInvalidError('Token claims are incomplete');
  return claims;
}
