import type { AuthContext } from '../context';
import { RevocationPendingError } from './errors';

/** The actions that answer a revocation, as `authbus_auth_fenced_answers_total` counts them. */
export type RevocationAction =
  'signout' | 'signout-all' | 'ban' | 'service-credential' | 'idp-logout' | 'key-withdrawal';

/**
 * A revocation was recorded but the stream has not acknowledged it: answer it only if every token
 * it covers, accepted until `until` (seconds, the latest `exp` it must cover) + the clock tolerance,
 * expires before verifiers may forget this instance (`RevocationFence.answerable`); otherwise count,
 * log and throw `RevocationPendingError` (503). The outbox publishes it once the bus is reachable.
 * `until` is read on the token clock (`ctx.now`, which stamps `exp`), the fence on the wall clock:
 * the fence is given what is left of it.
 */
export function refuseIfFenced(
  ctx: Pick<AuthContext, 'fence' | 'metrics' | 'logger' | 'now'>,
  action: RevocationAction,
  until: number,
): void {
  const leftMs = until * 1000 - ctx.now();
  if (ctx.fence.answerable(leftMs)) return;
  ctx.metrics.fencedAnswers.inc({ action });
  ctx.logger.warn(
    { action, until, leftMs },
    'revocation recorded but answered 503: not on the stream, and tokens it covers may outlive verifiers’ memory of this instance',
  );
  throw new RevocationPendingError(ctx.fence.retryAfterSeconds);
}

/**
 * A repeated revocation (a session already signed out, a user already banned) changes nothing, but
 * its 200 would say "in effect" while the first one may still wait in the outbox: with anything
 * waiting, it is answered like the first would be now (`until`: what the first covers, or more).
 */
export async function refuseRepeatIfFenced(ctx: AuthContext, action: RevocationAction, until: number): Promise<void> {
  if (ctx.fence.answerable(until * 1000 - ctx.now())) return;
  const backlog = await ctx.store.backlog().catch(() => undefined);
  if (backlog?.count === 0) return;
  refuseIfFenced(ctx, action, until);
}
