import type { Request, RequestHandler } from 'express';
import { ForbiddenError, NotAuthenticatedError } from '../errors/http-errors';

/**
 * Let the request through only if the caller is one of the services `names`, with its own token
 * or acting for a user; 403 for a user's token or another service; 401 (or why the token was
 * refused: expired, revoked, 503 while the feed can't be trusted) with no usable token. A CORS
 * preflight (`OPTIONS`) never needs a token. Authenticates the request itself (with
 * `authenticateRequest`) when `currentUser` has not run on it.
 */
export function requireService(authenticateRequest: (req: Request) => void, ...names: string[]): RequestHandler {
  if (names.length === 0) throw new Error('requireService needs at least one service name');
  const allowed = new Set(names);
  return (req, _res, next) => {
    if (req.method === 'OPTIONS') return next();
    if (req.caller === undefined) authenticateRequest(req);
    const caller = req.caller;
    if (!caller) return next(req.authError ?? new NotAuthenticatedError());
    if (caller.kind === 'user') return next(new ForbiddenError(`Only ${names.join(' or ')} may call this`));
    if (!allowed.has(caller.service)) return next(new ForbiddenError(`Only ${names.join(' or ')} may call this`));
    next();
  };
}
