import type { AuthHeartbeat } from '../events/auth-heartbeat';

/** How long auth's heartbeats may be missing before an auth instance counts as silent, by default, ms. */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 3000;

/** How long an auth instance's word about its unpublished revocations counts once it falls silent, ms. */
export const INSTANCE_MEMORY_MS = 120_000;

/** What the feed remembers of one auth instance. */
interface InstanceWord {
  /** What it said of its outbox: since when a revocation has waited, or null. */
  since: number | null;
  /** When its last heartbeat arrived (local clock). */
  heardAt: number;
  /** As of when its last heartbeat vouched for its outbox: its `at`, no later than its arrival. */
  vouchedAt: number;
  shared: boolean;
  leaving: boolean;
}

/**
 * What a feed knows from the auth service's heartbeats (`auth.heartbeat`): whether they arrive
 * (then the feed needs no JetStream requests of its own to know it is in sync), and as of when
 * every auth instance it knows has vouched for its outbox. Rules, per instance:
 * - heard within `timeoutMs`: it vouches for everything but what it said is waiting
 *   (`unpublishedSince`);
 * - silent longer (cut off from NATS, hung, crashed): it may have answered revocations since its
 *   last heartbeat that it cannot publish, so it vouches only up to that heartbeat;
 * - leaving (a clean shutdown's last heartbeat): with nothing waiting it is forgotten at once; with
 *   something waiting, that stays counted;
 * - replaced: an instance of a shared outbox (MongoDB) speaks for every instance of it, a crashed or
 *   cut-off one included;
 * - forgotten two minutes after it was last heard (`INSTANCE_MEMORY_MS`): a crashed instance of a
 *   memory store keeps every feed stale that long at most.
 */
export class HeartbeatWatch {
  private lastStreamHeartbeatAt = 0;
  private readonly instances = new Map<string, InstanceWord>();

  constructor(private readonly timeoutMs: number) {}

  /** Note a heartbeat received at `now` (local clock). */
  note(heartbeat: AuthHeartbeat, now: number): void {
    if (heartbeat.stream) this.lastStreamHeartbeatAt = now;
    const shared = heartbeat.sharedOutbox === true;
    // An instance of a shared outbox speaks for every instance of it, a crashed one included.
    if (shared) for (const [instance, entry] of this.instances) if (entry.shared) this.instances.delete(instance);
    const leaving = heartbeat.leaving === true;
    if (leaving && heartbeat.unpublishedSince === null) {
      this.instances.delete(heartbeat.instance);
      return;
    }
    this.instances.set(heartbeat.instance, {
      since: heartbeat.unpublishedSince,
      heardAt: now,
      vouchedAt: Math.min(heartbeat.at, now),
      shared,
      leaving,
    });
  }

  /** Has a heartbeat with the stream's state arrived within the timeout? Else the feed asks the server itself. */
  fresh(now: number): boolean {
    return this.lastStreamHeartbeatAt > 0 && now - this.lastStreamHeartbeatAt <= this.timeoutMs;
  }

  /** The oldest revocation an auth instance said it could not publish yet (ms), if any. */
  unpublishedSince(now: number): number | undefined {
    let oldest: number | undefined;
    for (const { since } of this.remembered(now)) if (since !== null) oldest = min(oldest, since);
    return oldest;
  }

  /**
   * The feed can count itself in sync no later than this (ms), if any instance limits it: the
   * oldest revocation one said is waiting, or the last heartbeat of one fallen silent.
   */
  vouchedUntil(now: number): number | undefined {
    let until: number | undefined;
    for (const word of this.remembered(now)) {
      if (word.since !== null) until = min(until, word.since);
      if (!word.leaving && now - word.heardAt > this.timeoutMs) until = min(until, word.vouchedAt);
    }
    return until;
  }

  /** The auth instances fallen silent (neither heard within the timeout nor gone with a leaving heartbeat). */
  silentInstances(now: number): number {
    let silent = 0;
    for (const word of this.remembered(now)) if (!word.leaving && now - word.heardAt > this.timeoutMs) silent++;
    return silent;
  }

  private *remembered(now: number): Generator<InstanceWord> {
    for (const [instance, word] of this.instances) {
      if (now - word.heardAt > INSTANCE_MEMORY_MS) this.instances.delete(instance);
      else yield word;
    }
  }
}

function min(a: number | undefined, b: number): number {
  return a === undefined ? b : Math.min(a, b);
}
