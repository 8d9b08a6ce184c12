import type { IncomingHttpHeaders } from 'node:http';
import { TokenInvalidError } from '../errors/token-errors';
import { readSessionToken } from './session-cookie';

/**
 * The access token a request presents: `Authorization: Bearer <jwt>` (service-to-service calls,
 * non-browser clients) wins over the `session` cookie (browsers). `undefined` when there is none;
 * throws `TokenInvalidError` / `CookieMalformedError` when what is there is malformed.
 */
export function requestToken(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined && authorization !== '') {
    const match = /^Bearer[ ]+([^ ]+)[ ]*$/i.exec(authorization);
    if (!match) throw new TokenInvalidError('Authorization header must be "Bearer <token>"');
    return match[1];
  }
  return readSessionToken(headers.cookie);
}
