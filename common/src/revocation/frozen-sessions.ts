/**
 * Revoked sessions loaded from a snapshot, kept in the snapshot's own bytes: an open-addressing
 * hash table of offsets into the buffer instead of a million `Map` entries. Building it is one
 * pass over typed arrays (no string per entry, no `Map` growth), which is what makes a snapshot of
 * 10^6 sessions load in well under a second; it also takes less memory than the `Map` (the entry's
 * bytes plus 16 bytes of table). Read-only: changes go to the set's `Map`, which is checked first.
 *
 * Each offset points at a snapshot session entry: until (f64), key length (u16), key (ASCII).
 * Only ASCII keys are held here (the set puts any other into its `Map`), so a key's bytes are its
 * character codes and a string can be hashed and compared without being encoded.
 */
export class FrozenSessions {
  /**
   * Per slot, side by side (one cache line for both): offset + 1 of the entry (0: empty), and the
   * key's hash, compared before the key's bytes.
   */
  private readonly table: Int32Array;
  private readonly mask: number;
  /** The latest `until` of any entry: past it, every entry is useless and the whole is dropped. */
  readonly maxUntil: number;
  readonly count: number;

  constructor(
    private readonly buf: Buffer,
    offsets: Int32Array,
    count: number,
  ) {
    let capacity = 16;
    while (capacity < count * 2) capacity *= 2;
    const table = (this.table = new Int32Array(capacity * 2));
    const mask = (this.mask = capacity - 1);
    let maxUntil = -Infinity;
    for (let i = 0; i < count; i++) {
      const offset = offsets[i]!;
      const until = buf.readDoubleLE(offset);
      if (until > maxUntil) maxUntil = until;
      const start = offset + 10;
      const end = start + buf.readUInt16LE(offset + 8);
      let hash = FNV_OFFSET;
      for (let j = start; j < end; j++) hash = Math.imul(hash ^ buf[j]!, FNV_PRIME);
      // Keys are unique (they come from a Map); no need to look for the same key on the way.
      let slot = hash & mask;
      while (table[slot * 2] !== 0) slot = (slot + 1) & mask;
      table[slot * 2] = offset + 1;
      table[slot * 2 + 1] = hash;
    }
    this.maxUntil = maxUntil;
    this.count = count;
  }

  has(sid: string): boolean {
    return this.find(sid) >= 0;
  }

  /** The `until` of `sid`, or `undefined` when it is not held. */
  until(sid: string): number | undefined {
    const offset = this.find(sid);
    return offset < 0 ? undefined : this.buf.readDoubleLE(offset);
  }

  /** Every entry as `[sid, until]`. */
  *entries(): IterableIterator<[string, number]> {
    for (let slot = 0; slot <= this.mask; slot++) {
      const taken = this.table[slot * 2]!;
      if (taken === 0) continue;
      const offset = taken - 1;
      const length = this.buf.readUInt16LE(offset + 8);
      yield [this.buf.toString('latin1', offset + 10, offset + 10 + length), this.buf.readDoubleLE(offset)];
    }
  }

  /** The entry's offset, or -1. */
  private find(sid: string): number {
    const length = sid.length;
    let hash = FNV_OFFSET;
    for (let i = 0; i < length; i++) {
      const code = sid.charCodeAt(i);
      if (code > 0x7f) return -1;
      hash = Math.imul(hash ^ code, FNV_PRIME);
    }
    let slot = hash & this.mask;
    const { buf, table } = this;
    for (;;) {
      const taken = table[slot * 2]!;
      if (taken === 0) return -1;
      const offset = taken - 1;
      if (table[slot * 2 + 1] === hash && buf.readUInt16LE(offset + 8) === length) {
        let i = 0;
        while (i < length && buf[offset + 10 + i] === sid.charCodeAt(i)) i++;
        if (i === length) return offset;
      }
      slot = (slot + 1) & this.mask;
    }
  }
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
