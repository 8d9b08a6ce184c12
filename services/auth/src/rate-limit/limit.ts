import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** Why an attempt was refused, and when to come back. */
export interface Refusal {
  retryAfterSeconds: number;
  /** This refusal is the first of its window (the limit just tripped): worth one log line. */
  tripped: boolean;
}

/**
 * One limit (at most `points` per window per key) over a rate-limiter-flexible limiter of any
 * store. Windows start at a key's first point and expire by time in every store, never because
 * other keys arrived. A store error is not a refusal: the limiters are built with an insurance
 * limiter (see `limiter-store.ts`), so what reaches here is a count, or a bug that should surface.
 */
export class Limit {
  constructor(private readonly limiter: RateLimiterAbstract) {}

  get points(): number {
    return this.limiter.points;
  }

  /** Count one attempt for `key`; a `Refusal` when that went past the limit. */
  async take(key: string): Promise<Refusal | undefined> {
    try {
      await this.limiter.consume(key);
      return undefined;
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      return { retryAfterSeconds: retryAfter(err), tripped: err.consumedPoints === this.points + 1 };
    }
  }

  /** Is `key` already at its limit? Counts nothing. */
  async exhausted(key: string): Promise<Refusal | undefined> {
    const res = await this.limiter.get(key);
    if (!res || res.consumedPoints < this.points) return undefined;
    return { retryAfterSeconds: retryAfter(res), tripped: false };
  }

  /** Forget `key`'s count (a successful sign-in). */
  async forget(key: string): Promise<void> {
    await this.limiter.delete(key);
  }

  /** Take back one point of `key` (an attempt that turned out not to be a failure). */
  async giveBack(key: string): Promise<void> {
    await this.limiter.reward(key);
  }
}

function retryAfter(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}
