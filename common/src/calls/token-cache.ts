import type { IssuedToken } from './token-source';

/**
 * Tokens by what they were asked for, renewed before they expire: a token is reused while more
 * than `renewBeforeMs` of it is left (default: 30 s, or a fifth of its lifetime if shorter), and
 * concurrent callers share one request. At most `maxEntries` are kept (the oldest go first): one
 * per audience for a service's own tokens, one per user and audience for delegated ones.
 */
export class TokenCache {
  private readonly entries = new Map<string, { issued: Promise<IssuedToken>; asked: number }>();

  constructor(private readonly options: { maxEntries: number; now: () => number; renewBeforeMs?: number }) {}

  /** The cached token for `key`, or a new one from `obtain`. A failed request is not cached. */
  async get(key: string, obtain: () => Promise<IssuedToken>): Promise<string> {
    const now = this.options.now();
    const entry = this.entries.get(key);
    if (entry) {
      const issued = await entry.issued.catch(() => undefined);
      if (issued && issued.expiresAt - this.renewBefore(issued, entry.asked) > now) return issued.token;
      if (this.entries.get(key) === entry) this.entries.delete(key);
    }
    const again = this.entries.get(key);
    if (again) return (await again.issued).token;
    const issued = obtain();
    const fresh = { issued, asked: now };
    if (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, fresh);
    issued.catch(() => {
      if (this.entries.get(key) === fresh) this.entries.delete(key);
    });
    return (await issued).token;
  }

  /** Forget every token (a credential was revoked: the next call asks again). */
  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private renewBefore(issued: IssuedToken, asked: number): number {
    return this.options.renewBeforeMs ?? Math.min(30_000, (issued.expiresAt - asked) / 5);
  }
}
