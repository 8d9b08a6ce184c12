import { RateLimiter } from '../../src/rate-limit/rate-limiter';

describe('RateLimiter', () => {
  it('allows `limit` hits per window per key, then says when to retry', () => {
    let now = 0;
    const limiter = new RateLimiter(3, 60_000, () => now);
    expect([1, 2, 3].map(() => limiter.hit('a').allowed)).toEqual([true, true, true]);
    expect(limiter.hit('a')).toEqual({ allowed: false, retryAfterSeconds: 60 });
    expect(limiter.hit('b').allowed).toBe(true);
    now = 30_000;
    expect(limiter.hit('a')).toEqual({ allowed: false, retryAfterSeconds: 30 });
    now = 60_000;
    expect(limiter.hit('a').allowed).toBe(true);
  });

  it('forgets a key on reset', () => {
    const limiter = new RateLimiter(1, 60_000);
    limiter.hit('a');
    expect(limiter.hit('a').allowed).toBe(false);
    limiter.reset('a');
    expect(limiter.hit('a').allowed).toBe(true);
  });

  it('keeps memory bounded when flooded with new keys', () => {
    const limiter = new RateLimiter(5, 60_000, Date.now, 1000);
    for (let i = 0; i < 10_000; i++) limiter.hit(`ip-${i}`);
    expect((limiter as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(1000);
  });
});
