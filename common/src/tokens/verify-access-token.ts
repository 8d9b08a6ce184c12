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

/** A token that passed every check, with what re-checking its times later needs (the verified-token cache). */
export interface VerifiedToken {
  readonly claims: AccessClaims;
  /** The kid of the key whose signature the token carries. */
  readonly kid: string;
  /** `nbf`, when the token has one (it is not among the typed claims). */
  readonly nbf: number | undefined;
}

/** The time claims `checkTokenTimes` reads; `unknown` until checked. */
export interface TokenTimes {
  readonly nbf?: unknown;
  readonly iat?: unknown;
  readonly exp?: unknown;
}

function verifyWith(token: string, keyRing: KeyRing, o: ResolvedTokenOptions, ignoreExpiration: boolean): AccessClaims {
  return verifyToken(token, keyRing, o, ignoreExpiration).claims;
}

/** Every check of `verifyAccessToken`, returning the claims with the key's kid and `nbf`. */
export function verifyToken(
  token: string,
  keyRing: KeyRing,
  o: ResolvedTokenOptions,
  ignoreExpiration: boolean,
): VerifiedToken {
  const header = decodeHeader(token);
  if (header.crit !== undefined) throw new TokenInvalidError('Token header has critical extensions');
  // A service token is never a user's access token, whatever its audience (explicit typing);
  // `at+jwt` is how an identity provider may type its access tokens (RFC 9068).
  if (header.typ !== undefined && header.typ !== 'JWT' && header.typ.toLowerCase() !== 'at+jwt')
    throw new TokenInvalidError('Not an access token');
  const key = keyRing.select(header);
  const payload = verifyJws(token, key);
  checkTokenTimes(payload, o, ignoreExpiration);
  const { nbf, iss, aud } = payload;
  if (iss !== o.issuer) throw new TokenInvalidError('Wrong issuer');
  if (!(aud === o.audience || (Array.isArray(aud) && aud.includes(o.audience))))
    throw new TokenInvalidError('Wrong audience');
  if (payload.token_use !== undefined || payload.act !== undefined) throw new TokenInvalidError('Not an access token');
  const claims = o.claims ? mapClaims(payload, o.claims, { iss: o.issuer, aud: o.audience }) : accessClaimsOf(payload);
  if (!claims) throw new TokenInvalidError('Token claims are incomplete');
  return { claims, kid: key.kid, nbf: nbf as number | undefined };
}

/**
 * The checks that depend on the clock: `nbf` and `iat` not in the future, `exp` present and not
 * passed (unless `ignoreExpiration`), each with the clock tolerance. A verified token is
 * re-checked with this on every use, cached or not.
 */
export function checkTokenTimes(times: TokenTimes, o: ResolvedTokenOptions, ignoreExpiration: boolean): void {
  const now = Math.floor(o.now() / 1000);
  const tolerance = o.clockToleranceSeconds;
  const { nbf, exp, iat } = times;
  if (nbf !== undefined) {
    if (typeof nbf !== 'number') throw new TokenInvalidError('Invalid nbf');
    if (nbf > now + tolerance) throw new TokenNotYetValidError();
  }
  // A token from the future would outlive the retention of the revocations that refuse it.
  if (typeof iat === 'number' && iat > now + tolerance) throw new TokenNotYetValidError('Token issued in the future');
  if (typeof exp !== 'number') throw new TokenInvalidError('Token has no exp');
  if (!ignoreExpiration && now >= exp + tolerance) throw new TokenExpiredError(new Date(exp * 1000));
}
