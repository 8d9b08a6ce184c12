import type { RequestHandler } from 'express';
import { ForbiddenError, NotAuthenticatedError } from '../errors/http-errors';

/**
 * Let the request through only with a `currentUser`; otherwise fail with why the token was
 * refused (401 expired/revoked/invalid, 503 feed not ready or stale) or 401 not authenticated.
 * A service's own token has no user: 401. A CORS preflight (`OPTIONS`) never needs a token.
 */
export const requireAuth: RequestHandler = (req, _res, next) => {
  if (req.currentUser || req.method === 'OPTIONS') return next();
  next(req.authError ?? new NotAuthenticatedError());
};

/** Let the request through only if `currentUser` has at least one of `roles` (403 otherwise). */
export function requireRole(...roles: string[]): RequestHandler {
  if (roles.length === 0) throw new Error('requireRole needs at least one role');
  return (req, _res, next) => {
    if (req.method === 'OPTIONS') return next();
    const user = req.currentUser;
    if (!user) return next(req.authError ?? new NotAuthenticatedError());
    if (!roles.some((r) => user.roles.includes(r)))
      return next(new ForbiddenError(`Requires role ${roles.join(' or ')}`));
    next();
  };
}
