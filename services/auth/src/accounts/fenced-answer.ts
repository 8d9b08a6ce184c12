import type { AuthContext } from '../context';
import { RevocationPendingError } from './errors';

/** The actions that answer a revocation, as `authbus_auth_fenced_answers_total` counts them. */
export type RevocationAction =
  'signout' | 'signout-all' | 'ban' | 'service-credential' | 'idp-logout' | 'key-withdrawal';

/**
 * A revocation was recorded but the stream has not acknowledged it: answer it only while verifiers
 * still hold for this instance (`RevocationFence`); otherwise count, log and throw
 * `RevocationPendingError` (503). The outbox publishes it once the bus is reachable.
 */
export function refuseIfFenced(ctx: Pick<AuthContext, 'fence' | 'metrics' | 'logger'>, action: RevocationAction): void {
  if (ctx.fence.answerable()) return;
  ctx.metrics.fencedAnswers.inc({ action });
  ctx.logger.warn({ action }, 'revocation recorded but answered 503: verifiers may no longer hold for this instance');
  throw new RevocationPendingError(ctx.fence.retryAfterSeconds);
}

/**
 * A repeated revocation (a session already signed out, a user already banned) changes nothing, but
 * its 200 would say "in effect" while the first one may still wait in the outbox: past the fence
 * point, with anything waiting, it is answered like the first.
 */
export async function refuseRepeatIfFenced(ctx: AuthContext, action: RevocationAction): Promise<void> {
  if (ctx.fence.answerable()) return;
  const backlog = await ctx.store.backlog().catch(() => undefined);
  if (backlog?.count === 0) return;
  refuseIfFenced(ctx, action);
}
