import { NotFoundError } from '@authbus/common';
import { isId } from '@authbus/service-kit';
import type { AuthContext } from '../context';
import type { UserRecord } from '../store/records';

/** The user an admin action names by id; 404 for unknown and malformed ids alike. */
export async function findUser(ctx: AuthContext, id: string): Promise<UserRecord> {
  const user = isId(id) ? await ctx.store.findUserById(id) : undefined;
  if (!user) throw new NotFoundError('User not found');
  return user;
}
