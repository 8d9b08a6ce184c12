import { newTokenId } from '@authbus/common';
import type { AuthContext } from '../context';
import type { UserRecord } from '../store/records';
import { UserBannedError } from './auth-errors';
import { issueToken } from './issue-token';

/**
 * Create a session record for a signed-in user and issue its first token.
 *
 * The record is written before the user is read again and the token signed: a ban or sign-out
 * everywhere that commits meanwhile either finds this session (and revokes it, with a cut-off at
 * or after the token's `iat`), or is seen by the second read (a ban refuses the sign-in; a cut-off
 * moves the token's `iat` past it). Either way no token outlives a revocation that raced it.
 */
export async function startSession(ctx: AuthContext, user: UserRecord): Promise<{ token: string; sid: string }> {
  const sid = newTokenId();
  const jti = newTokenId();
  const now = new Date(ctx.now());
  const session = {
    id: sid,
    userId: user.id,
    createdAt: now,
    expiresAt: new Date(now.getTime() + ctx.config.sessionTtlSeconds * 1000),
    currentJti: jti,
    lastExp: 0,
    revoked: false,
  };
  await ctx.store.createSession(session);
  const current = await ctx.store.findUserById(user.id);
  if (!current || current.banned) {
    // No token was issued for it, so there is nothing to announce: just close the record.
    await ctx.store.commit({ kind: 'session-revoked', sessionId: sid, at: now, reason: 'ban' }, []);
    throw new UserBannedError();
  }
  const { token, claims } = issueToken(ctx, current, sid, jti);
  if (!(await ctx.store.extendSession(sid, claims.exp))) throw new UserBannedError();
  return { token, sid };
}
