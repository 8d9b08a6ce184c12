import type { AuthContext } from '../context';
import { burnPasswordCheck, verifyPassword } from '../passwords/password-hash';
import { InvalidCredentialsError, UserBannedError } from './errors';
import type { Credentials, SignedIn } from './sign-up';
import { startSession } from './start-session';

/**
 * Sign-in: check the password (an unknown email costs the same time as a wrong password), then
 * start a session. 400 `ERR_INVALID_CREDENTIALS` for both; 403 `ERR_USER_BANNED` only to whoever
 * gave the right password. A right password resets this address's failures on the account
 * (`client`: the rate limits' key of the caller's address).
 */
export async function signIn(ctx: AuthContext, { email, password }: Credentials, client: string): Promise<SignedIn> {
  const user = await ctx.store.findUserByEmail(email);
  const ok = user
    ? await verifyPassword(password, user.passwordHash)
    : await burnPasswordCheck(password, ctx.config.scryptCost);
  if (!user || !ok) {
    ctx.metrics.signins.inc({ result: 'invalid' });
    throw new InvalidCredentialsError();
  }
  if (user.banned) {
    ctx.metrics.signins.inc({ result: 'banned' });
    throw new UserBannedError();
  }
  await ctx.limits.signin.succeeded(email, client);
  const session = await startSession(ctx, user);
  ctx.metrics.signins.inc({ result: 'ok' });
  ctx.logger.info({ sub: user.id, sid: session.sid }, 'user signed in');
  return { ...session, user };
}
