import type { Msg } from 'nats';
import { AUTH_STREAM } from '../events/subjects';

/** Where a republished event sits in the `AUTH` stream, read from the headers the server adds. */
export interface RepublishedPosition {
  /** Its stream sequence (`Nats-Sequence`). */
  seq: number;
  /** The subject it was stored under (`Nats-Subject`), e.g. `auth.session.revoked`. */
  subject: string;
}

/**
 * The position of a message of the stream's republish (`auth.live.>`), or `undefined` when its
 * headers are not those nats-server adds for the `AUTH` stream (then it is not applied).
 */
export function republishedPosition(msg: Pick<Msg, 'headers'>): RepublishedPosition | undefined {
  const headers = msg.headers;
  if (!headers || headers.get('Nats-Stream') !== AUTH_STREAM) return undefined;
  const seq = Number(headers.get('Nats-Sequence'));
  const subject = headers.get('Nats-Subject');
  if (!Number.isSafeInteger(seq) || seq < 1 || !subject) return undefined;
  return { seq, subject };
}

/** How many sequences applied ahead of a gap are remembered (beyond it, their stream copies are applied again: harmless). */
const AHEAD_REMEMBERED = 10_000;

/**
 * Stream sequences applied from the live republish beyond the feed's contiguous position (a
 * message before them was lost, or the replay has not reached them yet). Their copies from the
 * stream are skipped, and once the gap is filled the position moves over them.
 */
export class AheadSequences {
  private readonly seqs = new Set<number>();

  get size(): number {
    return this.seqs.size;
  }

  add(seq: number): void {
    this.seqs.add(seq);
    if (this.seqs.size > AHEAD_REMEMBERED) {
      const oldest = this.seqs.values().next();
      if (!oldest.done) this.seqs.delete(oldest.value);
    }
  }

  has(seq: number): boolean {
    return this.seqs.has(seq);
  }

  /** Was `seq` applied ahead (forgets it)? */
  take(seq: number): boolean {
    return this.seqs.delete(seq);
  }

  /** The contiguous position after `applied`: moves over (and forgets) every sequence held just past it. */
  advance(applied: number): number {
    let seq = applied;
    while (this.seqs.delete(seq + 1)) seq++;
    return seq;
  }

  /** Forget every sequence up to `seq` (one the stream no longer had when the gap was read: aged out). */
  forgetThrough(seq: number): void {
    for (const held of this.seqs) if (held <= seq) this.seqs.delete(held);
  }

  clear(): void {
    this.seqs.clear();
  }
}
