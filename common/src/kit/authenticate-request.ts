import type { IncomingHttpHeaders } from 'node:http';
import { bearerToken } from '../http/request-token';
import { decodeSessionCookieValue, sessionCookieValue } from '../http/session-cookie';
import type { AccessClaims } from '../tokens/claims';
import type { CachedTokenVerifier } from '../tokens/cached-token-verifier';

/**
 * The claims of the token a request presents (`Authorization: Bearer` first, else the session
 * cookie), through the verified-token cache, then `stillValid` (revocation and feed checks);
 * `undefined` when it presents none. A session cookie seen before is found by its raw value, so
 * neither its base64 nor its JSON is decoded again. Throws the typed errors.
 */
export function requestAuthentication(
  verifier: CachedTokenVerifier,
  stillValid: (claims: AccessClaims) => AccessClaims,
): (headers: IncomingHttpHeaders) => AccessClaims | undefined {
  return (headers) => {
    const bearer = bearerToken(headers.authorization);
    if (bearer !== undefined) return stillValid(verifier.verify(bearer));
    const value = sessionCookieValue(headers.cookie);
    if (value === undefined) return undefined;
    const known = verifier.cachedCookie(value);
    if (known !== undefined) return stillValid(known);
    const token = decodeSessionCookieValue(value);
    return token === undefined ? undefined : stillValid(verifier.verifyCookie(value, token));
  };
}
