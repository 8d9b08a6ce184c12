import type { RequestHandler } from 'express';
import type { AuthbusError } from '../errors/authbus-error';
import { isAuthbusError } from '../errors/authbus-error';
import { TokenInvalidError } from '../errors/token-errors';
import type { AccessClaims } from '../tokens/claims';
import { requestToken } from './request-token';

/**
 * The middleware behind `kit.currentUser`: find the token (Bearer header or session cookie),
 * authenticate it with `authenticate` (verify + revocation + feed checks), and set
 * `req.currentUser`. It never fails the request: a missing or refused token leaves
 * `currentUser = null` (and `authError` set), and routes decide with `requireAuth`.
 */
export function currentUserMiddleware(
  authenticate: (token: string) => AccessClaims,
  onRefused: (err: AuthbusError) => void,
): RequestHandler {
  return (req, _res, next) => {
    let user: AccessClaims | null = null;
    try {
      const token = requestToken(req.headers);
      if (token !== undefined) user = authenticate(token);
    } catch (err) {
      const refused = isAuthbusError(err) ? err : new TokenInvalidError('Invalid token', { cause: err });
      req.authError = refused;
      onRefused(refused);
    }
    // One property write per request: every extra property added to Node's request object costs.
    req.currentUser = user;
    next();
  };
}
