import { Subjects } from '@authbus/common';
import type { AuthContext } from '../context';
import type { AppliedChange } from '../store/auth-store';
import type { SessionRecord, UserRecord } from '../store/records';
import { commitAndPublish } from './commit-and-publish';
import type { RevocationAction } from './fenced-answer';
import { sessionRevoked, userRevoked } from './events';
import { latestExp, sessionUntil } from './revocation-times';

/**
 * Revoke one session (sign-out, refresh reuse) and publish `auth.session.revoked`. `until` comes
 * from the session as the store revoked it, in the same atomic step: a refresh that committed
 * first raised its `lastExp`; one that commits later finds the session revoked and hands out nothing.
 * With `answers` (a sign-out, answered 200) the fence applies (`commitAndPublish`); refresh reuse
 * answers 401 whatever happens, so it does not need it.
 */
export async function revokeSession(
  ctx: AuthContext,
  session: SessionRecord,
  reason: string,
  answers?: RevocationAction,
): Promise<void> {
  const applied = await commitAndPublish(
    ctx,
    { kind: 'session-revoked', sessionId: session.id, reason },
    ({ at, revoked }) => {
      if (!revoked) return []; // revoked meanwhile by someone else, who published it
      return [sessionRevoked(revoked, reason, at, sessionUntil(ctx.config, revoked.lastExp, at))];
    },
    answers,
  );
  if (applied.revoked) ctx.logger.info({ sid: session.id, sub: session.userId, reason }, 'session revoked');
}

/**
 * Revoke every token of a user (sign-out everywhere, ban): the store raises the user's token
 * generation and ends every session in one atomic step, and `auth.user.sessions-revoked` or
 * `auth.user.banned` refuses every token below the new generation. No clock decides which tokens
 * are cut off, so no token can be issued "after" the cut-off by pushing its `iat` ahead, and a
 * sign-in or refresh that read the user before the commit issued a token of the old generation.
 * Both answer 200, so the fence applies (`commitAndPublish`).
 */
export async function revokeUser(
  ctx: AuthContext,
  user: UserRecord,
  reason: string,
  ban?: { reason: string },
): Promise<AppliedChange> {
  const subject = ban ? Subjects.UserBanned : Subjects.UserSessionsRevoked;
  const applied = await commitAndPublish(
    ctx,
    { kind: 'user-sessions-revoked', userId: user.id, reason, ...(ban ? { ban } : {}) },
    ({ at, generation }) =>
      generation === undefined
        ? []
        : [userRevoked(subject, user.id, ban ? ban.reason : reason, generation, latestExp(ctx.config, at), at)],
    ban ? 'ban' : 'signout-all',
  );
  ctx.logger.info(
    { sub: user.id, reason, banned: ban !== undefined, generation: applied.generation },
    ban ? 'user banned' : 'all sessions of user revoked',
  );
  return applied;
}
