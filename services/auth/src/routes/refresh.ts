import { Router } from 'express';
import { requestToken } from '@authbus/common';
import { setSessionToken } from '@authbus/common/issuer';
import { refresh } from '../accounts/refresh';
import type { AuthContext } from '../context';

/**
 * `POST /api/users/refresh` → 200 `{ currentUser }` with a new cookie for a live session (the old
 * token may have expired); 401 when the session is revoked, expired or the token was reused;
 * 403 `ERR_USER_BANNED` when the user is banned.
 */
export function refreshRoute(ctx: AuthContext): Router {
  return Router().post('/api/users/refresh', async (req, res) => {
    const { token, claims } = await refresh(ctx, requestToken(req.headers));
    setSessionToken(req, token);
    res.json({ currentUser: claims });
  });
}
