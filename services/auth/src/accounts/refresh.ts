import {
  isAuthbusError,
  NotAuthenticatedError,
  TokenRevokedError,
  verifyAccessToken,
  type AccessClaims,
} from '@authbus/common';
import { newTokenId } from '@authbus/common/issuer';
import type { AuthContext } from '../context';
import type { SessionRecord, UserRecord } from '../store/records';
import { SessionEndedError, UserBannedError } from './errors';
import { issueToken } from './issue-token';
import { revokeSession } from './revoke';

/** Result of a refresh: the new token, and whether the refresh counted as rotation or grace. */
export interface Refreshed {
  token: string;
  claims: AccessClaims;
  outcome: 'rotated' | 'grace';
}

/**
 * Refresh: re-issue an access token for a live session. The presented token may have expired
 * (its signature, issuer and audience are still checked); the session record decides:
 * - no token → 401; unknown, other user's, or past its absolute lifetime → 401;
 * - user banned → 403 `ERR_USER_BANNED`; session revoked, or the token below the user's
 *   generation → 401;
 * - token is the session's current one → rotate its `jti` and issue;
 * - token is the previous one, within the grace window after rotation (a second tab) → issue
 *   with the current `jti`;
 * - any older token → refresh reuse: the session is revoked (event published) and 401.
 * Every attempt with a token is counted in `authbus_refreshes_total{result}`.
 */
export async function refresh(ctx: AuthContext, token: string | undefined): Promise<Refreshed> {
  if (token === undefined) throw new NotAuthenticatedError();
  try {
    const refreshed = await refreshSession(ctx, token);
    ctx.metrics.refreshes.inc({ result: refreshed.outcome });
    return refreshed;
  } catch (err) {
    ctx.metrics.refreshes.inc({ result: isAuthbusError(err) ? err.code : 'error' });
    throw err;
  }
}

async function refreshSession(ctx: AuthContext, token: string): Promise<Refreshed> {
  const claims = verifyAccessToken(token, ctx.keyRing, {
    ...ctx.config.kit.token,
    now: ctx.now,
    ignoreExpiration: true,
  });
  const session = await ctx.store.findSession(claims.sid);
  if (!session || session.userId !== claims.sub) throw new SessionEndedError('Session not found');
  const user = await ctx.store.findUserById(session.userId);
  if (!user) throw new SessionEndedError('Session not found');
  if (user.banned) throw new UserBannedError();
  if (session.revoked || claims.gen < user.generation) throw new TokenRevokedError();
  const now = ctx.now();
  if (now >= session.expiresAt.getTime()) throw new SessionEndedError('Session expired; sign in again');

  if (claims.jti === session.currentJti) {
    const jti = newTokenId();
    const issued = issueToken(ctx, user, session.id, jti);
    const result = await ctx.store.rotateSession(session.id, claims.jti, jti, issued.claims.exp, new Date(now));
    if (result.rotated) return { ...issued, outcome: 'rotated' };
    // Another request rotated it first: this one is now the previous token; fall through.
    if (!result.session || result.session.revoked) throw new TokenRevokedError();
    return graceOrReuse(ctx, claims, result.session, user);
  }
  return graceOrReuse(ctx, claims, session, user);
}

async function graceOrReuse(
  ctx: AuthContext,
  claims: AccessClaims,
  session: SessionRecord,
  user: UserRecord,
): Promise<Refreshed> {
  const withinGrace =
    claims.jti === session.previousJti &&
    session.rotatedAt !== undefined &&
    ctx.now() - session.rotatedAt.getTime() <= ctx.config.refreshGraceSeconds * 1000;
  if (withinGrace) {
    const issued = issueToken(ctx, user, session.id, session.currentJti);
    // Revoked since it was read (sign-out, ban): the token must not leave.
    if (!(await ctx.store.extendSession(session.id, issued.claims.exp))) throw new TokenRevokedError();
    return { ...issued, outcome: 'grace' };
  }
  await revokeSession(ctx, session, 'refresh-reuse');
  ctx.logger.warn({ sid: session.id, sub: session.userId, jti: claims.jti }, 'refresh token reuse: session revoked');
  throw new SessionEndedError('Refresh token reuse detected; the session was revoked');
}
