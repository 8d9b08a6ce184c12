import jwt from 'jsonwebtoken';
import { isAuthbusError } from '../errors/authbus-error';
import { TokenExpiredError, TokenInvalidError, TokenNotYetValidError } from '../errors/token-errors';
import { hasAccessClaimShape, type AccessClaims } from './claims';
import { decodeHeader } from './decode-header';
import type { KeyRing } from './key-ring';
import { resolveTokenOptions, type ResolvedTokenOptions, type TokenOptions } from './token-options';

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
 * `nbf` (with clock tolerance) and the claim types. Returns the claims or throws a typed error:
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
  const key = keyRing.select(header);
  let payload: unknown;
  try {
    payload = jwt.verify(token, key.verifyKey, {
      algorithms: [key.alg],
      issuer: o.issuer,
      audience: o.audience,
      clockTolerance: o.clockToleranceSeconds,
      clockTimestamp: Math.floor(o.now() / 1000),
      ignoreExpiration,
    });
  } catch (err) {
    throw translate(err);
  }
  if (!hasAccessClaimShape(payload)) throw new TokenInvalidError('Token claims are incomplete');
  return payload;
}

function translate(err: unknown): Error {
  if (isAuthbusError(err)) return err;
  if (err instanceof jwt.TokenExpiredError) return new TokenExpiredError(err.expiredAt, { cause: err });
  if (err instanceof jwt.NotBeforeError) return new TokenNotYetValidError({ cause: err });
  return new TokenInvalidError('Invalid token', { cause: err });
}
