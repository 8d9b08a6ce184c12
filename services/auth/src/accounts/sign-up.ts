import { newId } from '@authbus/service-kit';
import type { AuthContext } from '../context';
import { hashPassword } from '../passwords/password-hash';
import { EmailTakenError } from '../store/auth-store';
import type { UserRecord } from '../store/records';
import { commitAndPublish } from './commit-and-publish';
import { emailInUse } from './errors';
import { userCreated } from './events';
import { startSession, type StartedSession } from './start-session';

/** An email (trimmed, lower-case) and a password, as the routes validated them. */
export interface Credentials {
  email: string;
  password: string;
}

/** A signed-in user and the first token of their new session. */
export interface SignedIn extends StartedSession {
  user: UserRecord;
}

/**
 * Sign-up: create the user with `auth.user.created` (written together, through the outbox), then
 * start their first session. Role `admin` for the configured admin emails. A taken email is a
 * field error, whether it was seen before hashing or only by the store's unique index (a
 * concurrent sign-up with the same email).
 */
export async function signUp(ctx: AuthContext, { email, password }: Credentials): Promise<SignedIn> {
  if (await ctx.store.findUserByEmail(email)) throw emailInUse();
  const user: UserRecord = {
    id: newId(),
    email,
    passwordHash: await hashPassword(password, ctx.config.scryptCost),
    roles: ctx.config.adminEmails.has(email) ? ['user', 'admin'] : ['user'],
    banned: false,
    generation: 0,
    createdAt: new Date(ctx.now()),
  };
  try {
    await commitAndPublish(ctx, { kind: 'user-created', user }, [userCreated(user)]);
  } catch (err) {
    if (err instanceof EmailTakenError) throw emailInUse();
    throw err;
  }
  const session = await startSession(ctx, user);
  ctx.metrics.signups.inc();
  ctx.logger.info({ sub: user.id, sid: session.sid, admin: user.roles.includes('admin') }, 'user signed up');
  return { ...session, user };
}
