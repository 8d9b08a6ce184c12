import type { IncomingHttpHeaders } from 'node:http';
import { bearerToken } from '../http/request-token';
import { decodeSessionCookieValue, sessionCookieValue } from '../http/session-cookie';
import type { Caller } from '../http/caller';
import type { AccessClaims } from '../tokens/claims';
import type { CachedTokenVerifier } from '../tokens/cached-token-verifier';

/**
 * Who a request comes from, by the token it presents (`Authorization: Bearer` first, else the
 * session cookie): a Bearer token goes to `byToken` (a user's token or a service token); a session
 * cookie always carries a user's token, found through the verified-token cache by its raw value (so
 * neither its base64 nor its JSON is decoded again), then `stillValid` (revocation and feed
 * checks). `undefined` when it presents none. Throws the typed errors.
 */
export function requestAuthentication(
  verifier: CachedTokenVerifier,
  stillValid: (claims: AccessClaims) => AccessClaims,
  byToken: (token: string) => Caller,
): (headers: IncomingHttpHeaders) => Caller | undefined {
  const user = (claims: AccessClaims): Caller => ({ kind: 'user', user: stillValid(claims) });
  return (headers) => {
    const bearer = bearerToken(headers.authorization);
    if (bearer !== undefined) return byToken(bearer);
    const value = sessionCookieValue(headers.cookie);
    if (value === undefined) return undefined;
    const known = verifier.cachedCookie(value);
    if (known !== undefined) return user(known);
    const token = decodeSessionCookieValue(value);
    return token === undefined ? undefined : user(verifier.verifyCookie(value, token));
  };
}
