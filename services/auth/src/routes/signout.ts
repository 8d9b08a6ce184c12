import { Router, type Request } from 'express';
import { NotAuthenticatedError, requestToken, verifyAccessToken, type AccessClaims } from '@authbus/common';
import { clearSessionCookie } from '@authbus/common/issuer';
import type { AuthContext } from '../context';
import { revokeSession, revokeUser } from '../sessions/revoke';

/**
 * `POST /api/users/signout` → 200 `{}`: revokes this session (event) and clears the cookie.
 * Idempotent: no cookie, an expired or an already revoked token still answers 200. Works while
 * NATS is down (the event waits in the outbox).
 *
 * `POST /api/users/signout-all` → 200 `{}`: revokes every session of the user (event); needs a
 * valid, unexpired token of a live session.
 */
export function signoutRoutes(ctx: AuthContext): Router {
  const router = Router();

  router.post('/api/users/signout', async (req, res) => {
    const claims = claimsOf(ctx, req, true);
    const session = claims && (await ctx.store.findSession(claims.sid));
    if (session && session.userId === claims.sub && !session.revoked) {
      await revokeSession(ctx, session, 'signout');
      ctx.metrics.signouts.inc({ scope: 'session' });
    }
    clearSessionCookie(req);
    res.json({});
  });

  router.post('/api/users/signout-all', async (req, res) => {
    const claims = claimsOf(ctx, req, false);
    if (!claims) throw new NotAuthenticatedError();
    const [session, user] = await Promise.all([ctx.store.findSession(claims.sid), ctx.store.findUserById(claims.sub)]);
    if (!session || !user || session.userId !== user.id || session.revoked || claims.gen < user.generation) {
      throw new NotAuthenticatedError('Session is no longer valid');
    }
    await revokeUser(ctx, user, 'signout-all');
    ctx.metrics.signouts.inc({ scope: 'all' });
    clearSessionCookie(req);
    res.json({});
  });

  return router;
}

/** The verified claims of the request's token, or undefined when it has none or it is invalid. */
function claimsOf(ctx: AuthContext, req: Request, ignoreExpiration: boolean): AccessClaims | undefined {
  try {
    const token = requestToken(req.headers);
    return token === undefined ? undefined : verifyAccessToken(token, ctx.keyRing, { ...ctx.config.kit.token, now: ctx.now, ignoreExpiration });
  } catch {
    return undefined;
  }
}
