import { Subjects } from '@authbus/common';
import type { AuthContext } from '../context';
import type { SessionRecord, UserRecord } from '../store/records';
import { sessionRevoked, userRevoked } from './auth-events';
import { commitAndPublish } from './commit-and-publish';

/** Revoke one session (sign-out, refresh reuse) and publish `auth.session.revoked`. */
export async function revokeSession(ctx: AuthContext, session: SessionRecord, reason: string): Promise<void> {
  const at = new Date(ctx.now());
  // A refresh racing with this may have issued a later token than the record read here shows.
  const until = Math.max(session.lastExp, Math.floor(at.getTime() / 1000) + ctx.config.accessTokenTtlSeconds);
  await commitAndPublish(ctx, { kind: 'session-revoked', sessionId: session.id, at, reason }, [sessionRevoked(session, reason, at, until)]);
  ctx.logger.info({ sid: session.id, sub: session.userId, reason }, 'session revoked');
}

/**
 * Revoke every token of a user issued up to now (sign-out everywhere, ban): every session is
 * marked revoked and `auth.user.sessions-revoked` or `auth.user.banned` is published with
 * `revokedBefore` covering every token issued so far and `until` the latest `exp` one can have.
 *
 * Tokens issued after an earlier cut-off carry `iat = revokedBefore + 1` (see issue-token.ts),
 * which may be a second ahead of the clock; so a second cut-off in that same second must reach
 * `revokedBefore + 1`, not just now.
 */
export async function revokeUser(ctx: AuthContext, user: UserRecord, reason: string, ban?: { reason: string }): Promise<void> {
  const at = new Date(ctx.now());
  const revokedBefore = Math.max(Math.floor(at.getTime() / 1000), user.revokedBefore + 1);
  const until = revokedBefore + 1 + ctx.config.accessTokenTtlSeconds + ctx.config.clockToleranceSeconds;
  const subject = ban ? Subjects.UserBanned : Subjects.UserSessionsRevoked;
  await commitAndPublish(
    ctx,
    { kind: 'user-sessions-revoked', userId: user.id, revokedBefore, at, reason, ...(ban ? { ban } : {}) },
    [userRevoked(subject, user.id, ban ? ban.reason : reason, revokedBefore, until, at)],
  );
  ctx.logger.info({ sub: user.id, reason, banned: ban !== undefined }, ban ? 'user banned' : 'all sessions of user revoked');
}
