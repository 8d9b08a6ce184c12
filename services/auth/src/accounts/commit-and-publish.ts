import { type AnyEventEnvelope } from '@authbus/common';
import { applyRevocation } from '@authbus/common/issuer';
import type { AuthContext } from '../context';
import type { AppliedChange, ChangeEvents, StateChange } from '../store/auth-store';
import { refuseIfFenced, type RevocationAction } from './fenced-answer';
import { latestUntil, revocationHorizon } from './revocation-times';

/**
 * Write a state change with its events (atomically, through the outbox), apply revocations to this
 * instance's set, then try to publish before the caller responds. If NATS is down the events wait
 * in the outbox and the relay publishes them later. Only the commit can fail the request, and, for
 * a revocation the caller answers (`answers`), the fence: when the events could not be published
 * and a token they revoke (up to their latest `until`) may still be valid when verifiers forget this
 * instance (`RevocationFence.answerable`), it throws `RevocationPendingError` (503) after the
 * commit: recorded and applied here, not yet in effect everywhere.
 */
export async function commitAndPublish(
  ctx: AuthContext,
  change: StateChange,
  events: ChangeEvents,
  answers?: RevocationAction,
): Promise<AppliedChange> {
  let built: readonly AnyEventEnvelope[] = typeof events === 'function' ? [] : events;
  // The store may build the events more than once (a retried transaction): the last build is what it stored.
  const applied = await ctx.store.commit(change, typeof events === 'function' ? (a) => (built = events(a)) : events);
  const horizon = revocationHorizon(ctx.config, ctx.now());
  for (const envelope of built) applyRevocation(ctx.revocations, envelope, horizon);
  if ((await ctx.relay.publishNow(built)) || !answers) return applied;
  const until = latestUntil(built);
  if (until !== undefined) refuseIfFenced(ctx, answers, until);
  return applied;
}
