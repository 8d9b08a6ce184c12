import { applyRevocation, type AnyEventEnvelope } from '@authbus/common';
import type { AuthContext } from '../context';
import type { StateChange } from '../store/auth-store';

/**
 * Write a state change with its events (atomically, through the outbox), apply revocations to this
 * instance's set, then try to publish before the caller responds. Only the commit can fail the
 * request: if NATS is down the events wait in the outbox and the relay publishes them later.
 */
export async function commitAndPublish(ctx: AuthContext, change: StateChange, events: AnyEventEnvelope[]): Promise<void> {
  await ctx.store.commit(change, events);
  const horizon = Math.floor(ctx.now() / 1000) - ctx.config.clockToleranceSeconds;
  for (const envelope of events) applyRevocation(ctx.revocations, envelope, horizon);
  await ctx.relay.publishNow(events);
}
