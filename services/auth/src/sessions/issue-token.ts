import { signAccessToken, type SignedAccessToken } from '@authbus/common';
import type { AuthContext } from '../context';
import type { UserRecord } from '../store/records';

/**
 * Sign an access token for a session. Its `iat` is after the user's `revokedBefore`, so a sign-in
 * in the same second as a ban lift or a sign-out everywhere is not caught by that cut-off
 * (`iat` may then be up to one second ahead of the clock, well within the clock tolerance).
 */
export function issueToken(ctx: AuthContext, user: UserRecord, sid: string, jti?: string): SignedAccessToken {
  return signAccessToken(
    { sub: user.id, email: user.email, roles: user.roles, sid, ...(jti !== undefined ? { jti } : {}) },
    ctx.keyRing,
    {
      ttlSeconds: ctx.config.accessTokenTtlSeconds,
      issuedAt: user.revokedBefore + 1,
      now: ctx.now,
      ...ctx.config.kit.token,
    },
  );
}
