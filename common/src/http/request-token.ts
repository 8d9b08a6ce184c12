import type { IncomingHttpHeaders } from 'node:http';
import { TokenInvalidError } from '../errors/token-errors';
import { readSessionToken } from './session-cookie';

/**
 * The access token a request presents: `Authorization: Bearer <jwt>` (service-to-service calls,
 * non-browser clients) wins over the `session` cookie (browsers). An `Authorization` header of
 * another scheme (`Basic` from a staging site's password prompt, say) is not ours and is passed
 * over. `undefined` when there is no token; throws `TokenInvalidError` / `CookieMalformedError`
 * when what is there is malformed.
 */
export function requestToken(headers: IncomingHttpHeaders): string | undefined {
  const bearer = bearerToken(headers.authorization);
  return bearer ?? readSessionToken(headers.cookie);
}

/**
 * The token of an `Authorization: Bearer` header; undefined for no header or another scheme;
 * throws `TokenInvalidError` for a malformed Bearer header.
 */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined || !/^bearer(?: |$)/i.test(authorization)) return undefined;
  const match = /^Bearer[ ]+([^ ]+)[ ]*$/i.exec(authorization);
  if (!match) throw new TokenInvalidError('Authorization header must be "Bearer <token>"');
  return match[1];
}
