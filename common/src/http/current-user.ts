import type { IncomingHttpHeaders } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { AuthbusError } from '../errors/authbus-error';
import { isAuthbusError } from '../errors/authbus-error';
import { TokenInvalidError } from '../errors/token-errors';
import type { Caller } from './caller';

/**
 * What `kit.currentUser` does to a request, as a function the kit's `requireAuth`, `requireRole`
 * and `requireService` also call when `currentUser` did not run (a service that protects every
 * route it has can mount only those: one middleware per request instead of two). Finds the token
 * (Bearer header or session cookie), authenticates it with `authenticate` (verify + revocation +
 * feed checks) and sets `req.caller` and `req.currentUser` (the user, for a user's token or a
 * service acting for one); never throws: a missing or refused token leaves both `null` (and
 * `authError` set), and routes decide with `requireAuth` / `requireService`.
 */
export function requestAuthenticator(
  authenticate: (headers: IncomingHttpHeaders) => Caller | undefined,
  onRefused: (err: AuthbusError) => void,
): (req: Request) => void {
  return (req) => {
    let caller: Caller | null = null;
    try {
      caller = authenticate(req.headers) ?? null;
    } catch (err) {
      const refused = isAuthbusError(err) ? err : new TokenInvalidError('Invalid token', { cause: err });
      req.authError = refused;
      onRefused(refused);
    }
    req.currentUser = caller === null || caller.kind === 'service' ? null : caller.user;
    req.caller = caller;
  };
}

/** The middleware behind `kit.currentUser`. */
export function currentUserMiddleware(authenticateRequest: (req: Request) => void): RequestHandler {
  return (req, _res, next) => {
    authenticateRequest(req);
    next();
  };
}
