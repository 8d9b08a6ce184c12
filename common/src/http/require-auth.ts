import type { Request, RequestHandler } from 'express';
import { ForbiddenError, NotAuthenticatedError } from '../errors/http-errors';

/**
 * The kit's `requireAuth` and `requireRole`. Each authenticates the request itself (with
 * `authenticateRequest`, what `currentUser` does) when `currentUser` has not run on it, so a route
 * can be protected by `requireAuth` alone. A CORS preflight (`OPTIONS`) never needs a token.
 */
export function requireAuthWith(authenticateRequest: (req: Request) => void): {
  requireAuth: RequestHandler;
  requireRole: (...roles: string[]) => RequestHandler;
} {
  /**
   * Let the request through only with a `currentUser`; otherwise fail with why the token was
   * refused (401 expired/revoked/invalid, 503 feed not ready or stale) or 401 not authenticated.
   * A service's own token has no user: 401.
   */
  const requireAuth: RequestHandler = (req, _res, next) => {
    if (req.method === 'OPTIONS') return next();
    if (req.currentUser === undefined) authenticateRequest(req);
    if (req.currentUser) return next();
    next(req.authError ?? new NotAuthenticatedError());
  };
  /** Let the request through only if `currentUser` has at least one of `roles` (403 otherwise). */
  const requireRole = (...roles: string[]): RequestHandler => {
    if (roles.length === 0) throw new Error('requireRole needs at least one role');
    return (req, _res, next) => {
      if (req.method === 'OPTIONS') return next();
      if (req.currentUser === undefined) authenticateRequest(req);
      const user = req.currentUser;
      if (!user) return next(req.authError ?? new NotAuthenticatedError());
      if (!roles.some((r) => user.roles.includes(r)))
        return next(new ForbiddenError(`Requires role ${roles.join(' or ')}`));
      next();
    };
  };
  return { requireAuth, requireRole };
}
