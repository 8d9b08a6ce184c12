import { NotAuthenticatedError, verifyAccessToken, type AccessClaims } from '@authbus/common';
import type { AuthContext } from '../context';
import { refuseRepeatIfFenced } from './fenced-answer';
import { sessionUntil } from './revocation-times';
import { revokeSession, revokeUser } from './revoke';

/**
 * Sign-out: revoke the session of `token` (`auth.session.revoked`). Idempotent: no token, an
 * invalid or expired one, or an already revoked session change nothing and are no error. Works
 * while NATS is down (the event waits in the outbox), but when the session's tokens may outlive
 * verifiers' memory of this instance (`RevocationFence`) it is recorded all the same and throws
 * `RevocationPendingError` (503), a repeat of it too while its event waits.
 */
export async function signOut(ctx: AuthContext, token: string | undefined): Promise<void> {
  const claims = claimsOf(ctx, token, true);
  const session = claims && (await ctx.store.findSession(claims.sid));
  if (session && session.userId === claims.sub && !session.revoked) {
    await revokeSession(ctx, session, 'signout', 'signout');
    ctx.metrics.signouts.inc({ scope: 'session' });
  } else if (session && claims && session.revoked && session.userId === claims.sub) {
    // Signed out before: its event may still wait in the outbox, covering what `revokeSession` did.
    await refuseRepeatIfFenced(ctx, 'signout', sessionUntil(ctx.config, session.lastExp, new Date(ctx.now())));
  }
}

/**
 * Sign-out everywhere: revoke every session of the user (`auth.user.sessions-revoked`). Needs a
 * valid, unexpired token of a live session of the current generation; 401 otherwise.
 */
export async function signOutEverywhere(ctx: AuthContext, token: string | undefined): Promise<void> {
  const claims = claimsOf(ctx, token, false);
  if (!claims) throw new NotAuthenticatedError();
  const [session, user] = await Promise.all([ctx.store.findSession(claims.sid), ctx.store.findUserById(claims.sub)]);
  if (!session || !user || session.userId !== user.id || session.revoked || claims.gen < user.generation) {
    throw new NotAuthenticatedError('Session is no longer valid');
  }
  await revokeUser(ctx, user, 'signout-all');
  ctx.metrics.signouts.inc({ scope: 'all' });
}

/** The verified claims of `token`, or undefined when there is none or it is invalid. */
function claimsOf(ctx: AuthContext, token: string | undefined, ignoreExpiration: boolean): AccessClaims | undefined {
  if (token === undefined) return undefined;
  try {
    return verifyAccessToken(token, ctx.keyRing, { ...ctx.config.kit.token, now: ctx.now, ignoreExpiration });
  } catch {
    return undefined;
  }
}
