import { Router } from 'express';
import { NotAuthenticatedError, isAuthbusError, requestToken } from '@authbus/common';
import { setSessionToken } from '@authbus/common/issuer';
import type { AuthContext } from '../context';
import { refreshSession } from '../sessions/refresh-session';

/**
 * `POST /api/users/refresh` → 200 `{ currentUser }` with a new cookie for a live session (the old
 * token may have expired); 401 when the session is revoked, expired or the token was reused;
 * 403 when the user is banned.
 */
export function refreshRoute(ctx: AuthContext): Router {
  return Router().post('/api/users/refresh', async (req, res) => {
    const token = requestToken(req.headers);
    if (token === undefined) throw new NotAuthenticatedError();
    try {
      const { token: fresh, claims, outcome } = await refreshSession(ctx, token);
      setSessionToken(req, fresh);
      ctx.metrics.refreshes.inc({ result: outcome });
      res.json({ currentUser: claims });
    } catch (err) {
      ctx.metrics.refreshes.inc({ result: isAuthbusError(err) ? err.code : 'error' });
      throw err;
    }
  });
}
