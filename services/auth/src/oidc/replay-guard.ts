import { LRUCache } from 'lru-cache';

/**
 * Logout token ids seen recently, to refuse a replay (OIDC Back-Channel Logout 1.0 §2.6 step 8).
 * In memory, per replica, bounded: an id needs keeping only while its token can still be accepted
 * (its `iat` is at most the maximum age old, plus the clock tolerance), and a replay that reaches
 * another replica, or comes after an id was evicted from a full cache, does no harm: the events a
 * logout token produces depend only on the token (its `iat` sets the cut-off), so publishing them
 * twice refuses nothing more. So this lives outside the store and costs it no writes.
 */
export class ReplayGuard {
  private readonly seen: LRUCache<string, true>;

  constructor(options: { max: number; keepSeconds: number; now: () => number }) {
    this.seen = new LRUCache<string, true>({
      max: options.max,
      ttl: options.keepSeconds * 1000,
      ttlAutopurge: false,
      perf: { now: options.now },
    });
  }

  /** Record `jti`; false when it was already recorded (a replay). */
  firstUse(jti: string): boolean {
    if (this.seen.has(jti)) return false;
    this.seen.set(jti, true);
    return true;
  }

  /** Forget `jti` (its token was not acted on, so the IdP may send it again). */
  forget(jti: string): void {
    this.seen.delete(jti);
  }
}
