import type { AuthContext } from '../context';
import type { UserRecord } from '../store/records';

/** Users for the admin page, a page at a time, with the total. */
export async function listUsers(
  ctx: AuthContext,
  page: { limit: number; offset: number },
): Promise<{ users: UserRecord[]; total: number }> {
  return ctx.store.listUsers(page);
}
