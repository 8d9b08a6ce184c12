import { ServiceUnavailableError } from '@authbus/common';
import { newTokenId } from '@authbus/common/issuer';
import type { AuthContext } from '../context';
import type { SessionRecord, UserRecord } from '../store/records';
import { UserBannedError } from './errors';
import { issueToken } from './issue-token';

/** A new session and its first token, for the user as they were when it was issued. */
export interface StartedSession {
  token: string;
  sid: string;
}

/** How often a sign-in starts over when a revocation ends its brand-new session. */
const ATTEMPTS = 3;

/**
 * Create a session record for a signed-in user and issue its first token.
 *
 * The record is written before the user is read again and the token signed, and the token is
 * handed out only if the session is still live afterwards (`extendSession`, a compare-and-set). A
 * ban or sign-out everywhere that commits meanwhile either is seen by the read (a ban refuses the
 * sign-in; a cut-off raised the generation the token carries), or ends this session, and then no
 * token leaves: the sign-in reads the user again and starts over (a ban answers 403).
 */
export async function startSession(ctx: AuthContext, user: UserRecord): Promise<StartedSession> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const session = newSession(ctx, user);
    await ctx.store.createSession(session);
    const current = await ctx.store.findUserById(user.id);
    if (!current || current.banned) {
      // No token was issued for it, so there is nothing to announce: just close the record.
      await ctx.store.commit({ kind: 'session-revoked', sessionId: session.id, reason: 'ban' }, []);
      throw new UserBannedError();
    }
    const { token, claims } = issueToken(ctx, current, session.id, session.currentJti);
    if (await ctx.store.extendSession(session.id, claims.exp)) return { token, sid: session.id };
    ctx.logger.info(
      { sub: user.id, sid: session.id, attempt },
      'sign-in raced a revocation of the new session; starting over',
    );
  }
  throw new ServiceUnavailableError('Sign-in raced a revocation; try again', 1);
}

function newSession(ctx: AuthContext, user: UserRecord): SessionRecord {
  const now = new Date(ctx.now());
  return {
    id: newTokenId(),
    userId: user.id,
    createdAt: now,
    expiresAt: new Date(now.getTime() + ctx.config.sessionTtlSeconds * 1000),
    currentJti: newTokenId(),
    lastExp: 0,
    revoked: false,
  };
}
