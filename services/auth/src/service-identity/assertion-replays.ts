/**
 * The `jti`s of client assertions seen, until they expire (RFC 7523 §3 item 7: an assertion is
 * used once). An assertion lives at most 5 minutes, so this holds at most that many minutes of
 * token requests; expired entries are dropped as new ones come. Per process: with several auth
 * replicas, an assertion replayed to another replica within its minute would pass there (the
 * token it gets is for the same service and no more; `requireService` still decides).
 */
export class AssertionReplays {
  private readonly seen = new Map<string, number>();

  constructor(private readonly maxEntries = 100_000) {}

  /**
   * Record `service`'s `jti`, valid until `exp` (seconds): `first` the first time, `replayed` after;
   * `full` when `maxEntries` assertions are live (a flood): refused too, since forgetting one
   * would let it be replayed.
   */
  use(service: string, jti: string, exp: number, nowSeconds: number): 'first' | 'replayed' | 'full' {
    this.prune(nowSeconds);
    const key = `${service} ${jti}`;
    if (this.seen.has(key)) return 'replayed';
    if (this.seen.size >= this.maxEntries) return 'full';
    this.seen.set(key, exp);
    return 'first';
  }

  private prune(nowSeconds: number): void {
    // Insertion order is close to expiry order (every assertion lives about as long): stop at the first live one.
    for (const [key, exp] of this.seen) {
      if (exp >= nowSeconds - 60) break;
      this.seen.delete(key);
    }
  }
}
