import type { IncomingHttpHeaders } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { AuthbusError } from '../errors/authbus-error';
import { isAuthbusError } from '../errors/authbus-error';
import { TokenInvalidError } from '../errors/token-errors';
import type { AccessClaims } from '../tokens/claims';

/**
 * What `kit.currentUser` does to a request, as a function the kit's `requireAuth` and
 * `requireRole` also call when `currentUser` did not run (a service that protects every route it
 * has can mount only those: one middleware per request instead of two). Finds the token (Bearer
 * header or session cookie), authenticates it with `authenticate` (verify + revocation + feed
 * checks) and sets `req.currentUser`; never throws: a missing or refused token leaves
 * `currentUser = null` (and `authError` set), and routes decide with `requireAuth`.
 */
export function requestAuthenticator(
  authenticate: (headers: IncomingHttpHeaders) => AccessClaims | undefined,
  onRefused: (err: AuthbusError) => void,
): (req: Request) => void {
  return (req) => {
    let user: AccessClaims | null = null;
    try {
      user = authenticate(req.headers) ?? null;
    } catch (err) {
      const refused = isAuthbusError(err) ? err : new TokenInvalidError('Invalid token', { cause: err });
      req.authError = refused;
      onRefused(refused);
    }
    // One property write per request: every extra property added to Node's request object costs.
    req.currentUser = user;
  };
}

/** The middleware behind `kit.currentUser`. */
export function currentUserMiddleware(authenticateRequest: (req: Request) => void): RequestHandler {
  return (req, _res, next) => {
    authenticateRequest(req);
    next();
  };
}
