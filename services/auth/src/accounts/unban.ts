import type { AuthContext } from '../context';
import type { UserRecord } from '../store/records';
import { commitAndPublish } from './commit-and-publish';
import { userUnbanned } from './events';
import { findUser } from './find-user';

/**
 * Unban: lift the ban (`auth.user.unbanned`); new sign-ins are allowed, tokens revoked by the ban
 * stay refused. Idempotent; 404 for an unknown user.
 */
export async function unban(ctx: AuthContext, { userId, by }: { userId: string; by: string }): Promise<UserRecord> {
  const user = await findUser(ctx, userId);
  if (user.banned) {
    await commitAndPublish(ctx, { kind: 'user-unbanned', userId: user.id }, [userUnbanned(user.id)]);
    ctx.metrics.bans.inc({ action: 'unban' });
    ctx.logger.info({ sub: user.id, by }, 'ban lifted');
  }
  return { ...user, banned: false };
}
