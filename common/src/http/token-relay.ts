import type { Request } from 'express';
import { NotAuthenticatedError } from '../errors/http-errors';
import { requestToken } from './request-token';

/**
 * Headers that carry the caller's identity to another service (token relay): the same access
 * token, as `Authorization: Bearer`. The receiving service verifies it with its own auth kit, so
 * revocation applies there too. Throws `NotAuthenticatedError` when the request has no verified token.
 */
export function relayHeaders(req: Request): { authorization: string } {
  // The token is read again rather than kept on every request: relaying is rare, requests are not.
  const token = req.currentUser ? requestToken(req.headers) : undefined;
  if (token === undefined) throw new NotAuthenticatedError();
  return { authorization: `Bearer ${token}` };
}

/** `fetch` on the caller's behalf: `relayHeaders` added to `init.headers`. */
export function fetchAsUser(req: Request, url: string | URL, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', relayHeaders(req).authorization);
  return fetch(url, { ...init, headers });
}
