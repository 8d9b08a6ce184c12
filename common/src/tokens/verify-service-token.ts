import { TokenExpiredError, TokenInvalidError, TokenNotYetValidError } from '../errors/token-errors';
import { decodeHeader } from './decode-header';
import type { KeyRing } from './key-ring';
import { SERVICE_TOKEN_TYPE, serviceTokenClaimsOf, type AnyServiceTokenClaims } from './service-claims';
import { resolveTokenOptions, type TokenOptions } from './token-options';
import { verifyJws } from './verify-jws';

/**
 * A verifier of service tokens (a service's own, or one it holds on a user's behalf) addressed to
 * `audience`, the verifying service's name. Checks, like access tokens: the key by `kid` in the
 * same key ring, the pinned algorithm, the signature, `iss`, `exp`, `nbf`, no `iat` in the future;
 * and, for service tokens only: the `typ` header `SERVICE_TOKEN_TYPE`, that `aud` names this
 * service, and the claim types of `token_use` `service` or `delegated`. Throws `TokenInvalidError`,
 * `TokenExpiredError`, `TokenNotYetValidError`, `KeyUnknownError` or `KeyAmbiguousError`.
 */
export function createServiceTokenVerifier(
  keyRing: KeyRing,
  audience: string,
  options: TokenOptions = {},
): (token: string) => AnyServiceTokenClaims {
  const o = resolveTokenOptions(options);
  return (token) => {
    const header = decodeHeader(token);
    if (header.crit !== undefined) throw new TokenInvalidError('Token header has critical extensions');
    if (header.typ !== SERVICE_TOKEN_TYPE) throw new TokenInvalidError('Not a service token');
    const payload = verifyJws(token, keyRing.select(header));
    const now = Math.floor(o.now() / 1000);
    const tolerance = o.clockToleranceSeconds;
    const { nbf, exp, iat, iss, aud } = payload;
    if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + tolerance)) throw new TokenNotYetValidError();
    if (typeof iat === 'number' && iat > now + tolerance) throw new TokenNotYetValidError('Token issued in the future');
    if (typeof exp !== 'number') throw new TokenInvalidError('Token has no exp');
    if (now >= exp + tolerance) throw new TokenExpiredError(new Date(exp * 1000));
    if (iss !== o.issuer) throw new TokenInvalidError('Wrong issuer');
    if (!(aud === audience || (Array.isArray(aud) && aud.includes(audience))))
      throw new TokenInvalidError('Wrong audience');
    const claims = serviceTokenClaimsOf(payload);
    if (!claims) throw new TokenInvalidError('Service token claims are incomplete');
    return claims;
  };
}
