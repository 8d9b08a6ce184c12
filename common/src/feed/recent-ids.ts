/**
 * The ids of the last `capacity` events a feed applied from its live subscription, so that the
 * stream's copy of each (the ordered consumer delivers every stored event too) is recognised by
 * its `Nats-Msg-Id` header and skipped unparsed: each event is applied once on the fast path. A
 * copy whose id has been forgotten is applied again, which is harmless (revocation only widens).
 */
export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {}

  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next();
      if (!oldest.done) this.ids.delete(oldest.value);
    }
  }

  /** Was `id` added (and not yet taken)? Forgets it either way. */
  take(id: string): boolean {
    return this.ids.delete(id);
  }
}
