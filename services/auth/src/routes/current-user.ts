import { Router } from 'express';
import type { AuthContext } from '../context';

/**
 * `GET /api/users/currentuser` → `{ currentUser: claims | null }`, with revocation applied: a
 * signed-out or banned session shows `null`. When a token was presented but refused, `tokenError`
 * says why (`ERR_TOKEN_EXPIRED`: refresh it; `ERR_TOKEN_REVOKED`: sign in again). While the
 * revocation feed can't be trusted (not caught up, or stale under policy `closed`) a presented
 * token gets 503 rather than a guess.
 */
export function currentUserRoute(_ctx: AuthContext): Router {
  return Router().get('/api/users/currentuser', (req, res) => {
    const refused = req.authError;
    const code = refused?.code;
    if (refused && (code === 'ERR_FEED_NOT_READY' || code === 'ERR_FEED_STALE')) throw refused;
    res.json({ currentUser: req.currentUser ?? null, ...(code !== undefined ? { tokenError: code } : {}) });
  });
}
