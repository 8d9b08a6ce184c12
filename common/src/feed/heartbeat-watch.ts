import type { AuthHeartbeat } from '../events/auth-heartbeat';

/** How long an auth instance's word about its unpublished revocations counts once it falls silent, ms. */
const INSTANCE_MEMORY_MS = 120_000;

/**
 * What a feed knows from the auth service's heartbeats (`auth.heartbeat`): whether they arrive
 * (then the feed needs no JetStream requests of its own to know it is in sync), and since when
 * some auth instance has held revocations it could not publish. Each instance speaks for its own
 * outbox, or for all of them when the outbox is shared (MongoDB); one that falls silent is
 * remembered for two minutes (a silent instance that had revocations waiting keeps the feed stale
 * that long: it may be cut off from NATS still holding them).
 */
export class HeartbeatWatch {
  private lastStreamHeartbeatAt = 0;
  private readonly waiting = new Map<string, { since: number | null; heardAt: number; shared: boolean }>();

  constructor(private readonly timeoutMs: number) {}

  /** Note a heartbeat received at `now` (local clock). */
  note(heartbeat: AuthHeartbeat, now: number): void {
    if (heartbeat.stream) this.lastStreamHeartbeatAt = now;
    const shared = heartbeat.sharedOutbox === true;
    // An instance of a shared outbox speaks for every instance of it, a crashed one included.
    if (shared) for (const [instance, entry] of this.waiting) if (entry.shared) this.waiting.delete(instance);
    this.waiting.set(heartbeat.instance, { since: heartbeat.unpublishedSince, heardAt: now, shared });
  }

  /** Has a heartbeat with the stream's state arrived within the timeout? Else the feed asks the server itself. */
  fresh(now: number): boolean {
    return this.lastStreamHeartbeatAt > 0 && now - this.lastStreamHeartbeatAt <= this.timeoutMs;
  }

  /** The oldest revocation an auth instance said it could not publish yet (ms), if any. */
  unpublishedSince(now: number): number | undefined {
    let oldest: number | undefined;
    for (const [instance, { since, heardAt }] of this.waiting) {
      if (now - heardAt > INSTANCE_MEMORY_MS) this.waiting.delete(instance);
      else if (since !== null) oldest = oldest === undefined ? since : Math.min(oldest, since);
    }
    return oldest;
  }
}
