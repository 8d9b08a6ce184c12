import { BadRequestError } from '@authbus/common';
import type { AuthContext } from '../context';
import type { UserRecord } from '../store/records';
import { findUser } from './find-user';
import { hideListings } from './hide-listings';
import { refuseRepeatIfFenced } from './fenced-answer';
import { latestExp } from './revocation-times';
import { revokeUser } from './revoke';

/** Who bans whom, and why (shown in `auth.user.banned`). */
export interface BanRequest {
  userId: string;
  /** The admin's user id. */
  by: string;
  reason?: string;
}

/**
 * Ban: mark the user banned and revoke every session of theirs in one atomic step
 * (`auth.user.banned`). Idempotent: banning a banned user changes nothing. 404 for an unknown
 * user; 400 for banning yourself.
 */
export async function ban(ctx: AuthContext, { userId, by, reason }: BanRequest): Promise<UserRecord> {
  const user = await findUser(ctx, userId);
  if (user.id === by) throw new BadRequestError('You cannot ban yourself');
  if (!user.banned) {
    await revokeUser(ctx, user, 'ban', { reason: reason ?? 'banned by an administrator' });
    ctx.metrics.bans.inc({ action: 'ban' });
    ctx.logger.info({ sub: user.id, by }, 'ban applied');
    void hideListings(ctx, user.id);
  } else {
    await refuseRepeatIfFenced(ctx, 'ban', latestExp(ctx.config, new Date(ctx.now())));
  }
  return { ...user, banned: true };
}
