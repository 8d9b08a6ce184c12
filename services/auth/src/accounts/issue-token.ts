import { signAccessToken, type SignedAccessToken } from '@authbus/common/issuer';
import type { AuthContext } from '../context';
import type { UserRecord } from '../store/records';

/**
 * Sign an access token for a session, in the user's current token generation (`gen`): a later
 * cut-off raises the generation and refuses it. `iat` is the clock, never ahead of it. The caller
 * hands the token out only after the store confirms the session is still live (compare-and-set).
 */
export function issueToken(ctx: AuthContext, user: UserRecord, sid: string, jti?: string): SignedAccessToken {
  return signAccessToken(
    {
      sub: user.id,
      email: user.email,
      roles: user.roles,
      sid,
      gen: user.generation,
      ...(jti !== undefined ? { jti } : {}),
    },
    ctx.keyRing,
    { ttlSeconds: ctx.config.accessTokenTtlSeconds, now: ctx.now, ...ctx.config.kit.token },
  );
}
