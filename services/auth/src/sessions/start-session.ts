import { newTokenId } from '@authbus/common';
import type { AuthContext } from '../context';
import type { UserRecord } from '../store/records';
import { issueToken } from './issue-token';

/** Create a session record for a signed-in user and issue its first token. */
export async function startSession(ctx: AuthContext, user: UserRecord): Promise<{ token: string; sid: string }> {
  const sid = newTokenId();
  const { token, claims } = issueToken(ctx, user, sid);
  const now = new Date(ctx.now());
  await ctx.store.createSession({
    id: sid,
    userId: user.id,
    createdAt: now,
    expiresAt: new Date(now.getTime() + ctx.config.sessionTtlSeconds * 1000),
    currentJti: claims.jti,
    lastExp: claims.exp,
    revoked: false,
  });
  return { token, sid };
}
