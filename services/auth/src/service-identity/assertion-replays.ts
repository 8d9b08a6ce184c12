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

  /** Record `service`'s `jti`, valid until `exp` (seconds); false when it was seen already or the cache is full. */
  firstUse(service: string, jti: string, exp: number, nowSeconds: number): boolean {
    this.prune(nowSeconds);
    const key = `${service} ${jti}`;
    if (this.seen.has(key) || this.seen.size >= this.maxEntries) return false;
    this.seen.set(key, exp);
    return true;
  }

  private prune(nowSeconds: number): void {
    // Insertion order is close to expiry order (every assertion lives about as long): stop at the first live one.
    for (const [key, exp] of this.seen) {
      if (exp >= nowSeconds - 60) break;
      this.seen.delete(key);
    }
  }
}
