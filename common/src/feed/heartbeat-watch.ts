import type { AuthHeartbeat } from '../events/auth-heartbeat';

/** How long auth's heartbeats may be missing before an auth instance counts as silent, by default, ms. */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 3000;

/**
 * How long an auth instance's word about its unpublished revocations counts once it falls silent,
 * ms, by default (`REVOCATION_SILENT_MEMORY`). The auth service reads the same setting to know when
 * verifiers stop holding for it, and stops answering revocations 200 before then
 * (`services/auth/src/outbox/revocation-fence.ts`): one value, both sides.
 */
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
  /** How long it is remembered once silent: the longer of the feed's memory and what it announced. */
  memoryMs: number;
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
 * - a shared outbox (MongoDB) is vouched for by its instances together: while any of them is heard
 *   within the timeout, the last word of any of them about the outbox is what counts, and a silent
 *   one (crashed, or cut off and still writing sign-outs into the outbox) is spoken for; once none
 *   is heard, the outbox is vouched for only up to the last heartbeat of any of them (a leaving one
 *   included), so a silent instance still writing into it holds every feed from then on;
 * - forgotten `memoryMs` (two minutes, `INSTANCE_MEMORY_MS`) after it was last heard or spoken
 *   for, or after the longer memory its heartbeats announced (`silentMemoryMs`: what that auth
 *   instance answers revocations by): a crashed instance of a memory store keeps every feed stale
 *   that long at most.
 */
export class HeartbeatWatch {
  private lastStreamHeartbeatAt = 0;
  private readonly instances = new Map<string, InstanceWord>();
  /**
   * The last word of any instance of a shared outbox: when it arrived, as of when, what it said.
   * A silent instance of it is remembered as long as the outbox is spoken for, plus the memory window.
   */
  private shared: { heardAt: number; vouchedAt: number; since: number | null } | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly memoryMs: number = INSTANCE_MEMORY_MS,
  ) {}

  /** Note a heartbeat received at `now` (local clock). */
  note(heartbeat: AuthHeartbeat, now: number): void {
    if (heartbeat.stream) this.lastStreamHeartbeatAt = now;
    const shared = heartbeat.sharedOutbox === true;
    const vouchedAt = Math.min(heartbeat.at, now);
    const leaving = heartbeat.leaving === true;
    if (shared && (!this.shared || vouchedAt >= this.shared.vouchedAt))
      this.shared = { heardAt: now, vouchedAt, since: heartbeat.unpublishedSince };
    if (leaving && heartbeat.unpublishedSince === null) {
      this.instances.delete(heartbeat.instance);
      return;
    }
    this.instances.set(heartbeat.instance, {
      since: heartbeat.unpublishedSince,
      heardAt: now,
      vouchedAt,
      shared,
      leaving,
      memoryMs: Math.max(this.memoryMs, heartbeat.silentMemoryMs ?? 0),
    });
  }

  /** Has a heartbeat with the stream's state arrived within the timeout? Else the feed asks the server itself. */
  fresh(now: number): boolean {
    return this.lastStreamHeartbeatAt > 0 && now - this.lastStreamHeartbeatAt <= this.timeoutMs;
  }

  /** The oldest revocation an auth instance said it could not publish yet (ms), if any. */
  unpublishedSince(now: number): number | undefined {
    let oldest: number | undefined;
    for (const { since } of this.words(now)) if (since !== null) oldest = min(oldest, since);
    return oldest;
  }

  /**
   * The feed can count itself in sync no later than this (ms), if any instance limits it: the
   * oldest revocation one said is waiting, or the last heartbeat of one fallen silent.
   */
  vouchedUntil(now: number): number | undefined {
    let until: number | undefined;
    for (const { since, silentSince } of this.words(now)) {
      if (since !== null) until = min(until, since);
      if (silentSince !== undefined) until = min(until, silentSince);
    }
    return until;
  }

  /** The auth instances fallen silent and not spoken for (neither heard within the timeout, nor gone with a leaving heartbeat). */
  silentInstances(now: number): number {
    let silent = 0;
    for (const { silentSince } of this.words(now)) if (silentSince !== undefined) silent++;
    return silent;
  }

  /**
   * What each remembered instance says now: what it said is waiting (for a shared outbox, what the
   * outbox's latest word said) and, when it is silent and not spoken for, as of when it vouched.
   */
  private *words(now: number): Generator<{ since: number | null; silentSince: number | undefined }> {
    const group = this.shared;
    const groupHeard = this.anySharedHeard(now);
    for (const [instance, word] of this.instances) {
      const lastSpoken = word.shared && group ? Math.max(word.heardAt, group.heardAt) : word.heardAt;
      if (now - lastSpoken > word.memoryMs) {
        this.instances.delete(instance);
        continue;
      }
      const silent = !word.leaving && !this.heardWithin(now, word.heardAt);
      if (!word.shared || !group) {
        yield { since: word.since, silentSince: silent ? word.vouchedAt : undefined };
        continue;
      }
      // A shared outbox: its latest word about the outbox counts, and a heard instance speaks for a silent one.
      const since = group.since;
      if (!silent || groupHeard) yield { since, silentSince: undefined };
      else yield { since, silentSince: Math.max(word.vouchedAt, group.vouchedAt) };
    }
  }

  private anySharedHeard(now: number): boolean {
    for (const word of this.instances.values())
      if (word.shared && !word.leaving && this.heardWithin(now, word.heardAt)) return true;
    return false;
  }

  private heardWithin(now: number, heardAt: number): boolean {
    return now - heardAt <= this.timeoutMs;
  }
}

function min(a: number | undefined, b: number): number {
  return a === undefined ? b : Math.min(a, b);
}
