import type { RequestHandler } from 'express';
import type { AuthbusError } from '../errors/authbus-error';
import { isAuthbusError } from '../errors/authbus-error';
import { TokenInvalidError } from '../errors/token-errors';
import type { Caller } from './caller';
import { requestToken } from './request-token';

/**
 * The middleware behind `kit.currentUser`: find the token (Bearer header or session cookie),
 * authenticate it with `authenticate` (verify + revocation + feed checks), and set `req.caller`
 * and `req.currentUser` (the user, for a user's token or a service acting for one). It never
 * fails the request: a missing or refused token leaves both `null` (and `authError` set), and
 * routes decide with `requireAuth` / `requireService`.
 */
export function currentUserMiddleware(
  authenticate: (token: string) => Caller,
  onRefused: (err: AuthbusError) => void,
): RequestHandler {
  return (req, _res, next) => {
    let caller: Caller | null = null;
    try {
      const token = requestToken(req.headers);
      if (token !== undefined) caller = authenticate(token);
    } catch (err) {
      const refused = isAuthbusError(err) ? err : new TokenInvalidError('Invalid token', { cause: err });
      req.authError = refused;
      onRefused(refused);
    }
    req.currentUser = caller === null || caller.kind === 'service' ? null : caller.user;
    req.caller = caller;
    next();
  };
}
