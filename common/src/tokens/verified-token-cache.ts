import { LRUCache } from 'lru-cache';
import type { VerifiedToken } from './verify-access-token';

/** Bounds of the verified-token cache. */
export interface TokenCacheOptions {
  /** Most tokens held; `0` turns the cache off. Default 50 000. */
  maxEntries?: number;
  /** Most bytes held (token plus claims, estimated); default 64 MiB. */
  maxBytes?: number;
}

export const DEFAULT_TOKEN_CACHE_ENTRIES = 50_000;
export const DEFAULT_TOKEN_CACHE_BYTES = 64 * 1024 * 1024;

/** What the cache holds per token: the claims as verified, and the times re-checked on every hit. */
export interface CachedToken extends VerifiedToken {
  readonly iat: number;
  readonly exp: number;
}

/** The cache's counters, read when Prometheus scrapes. */
export interface TokenCacheStats {
  hits: number;
  misses: number;
  evictions: number;
}

/** Estimated heap bytes of one entry beyond its strings: the entry, the claims object, the LRU slots. */
const ENTRY_OVERHEAD_BYTES = 400;

/**
 * Tokens whose signature and claims have been verified, keyed by the exact token string, bounded
 * in entries and bytes (least recently used leave first). Only a token that passed every check is
 * put in, so a client cannot grow the cache without tokens signed by a key of the ring. What a hit
 * saves is the signature check and the decoding; the caller still checks the times
 * (`checkTokenTimes`), the revocation set and the feed's staleness on every use.
 */
export class VerifiedTokenCache {
  readonly stats: TokenCacheStats = { hits: 0, misses: 0, evictions: 0 };
  private readonly lru: LRUCache<string, CachedToken>;

  constructor(options: { maxEntries: number; maxBytes: number }) {
    this.lru = new LRUCache<string, CachedToken>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: entryBytes,
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.stats.evictions++;
      },
    });
  }

  /** The cached verification of `token`, counting a hit or a miss. */
  get(token: string): CachedToken | undefined {
    const entry = this.lru.get(token);
    if (entry === undefined) this.stats.misses++;
    else this.stats.hits++;
    return entry;
  }

  /** Remember a token that passed every check; its claims are frozen, since every hit shares them. */
  add(token: string, verified: VerifiedToken): CachedToken {
    const { claims } = verified;
    Object.freeze(claims.roles);
    Object.freeze(claims);
    const entry: CachedToken = { claims, kid: verified.kid, nbf: verified.nbf, iat: claims.iat, exp: claims.exp };
    this.lru.set(token, entry);
    return entry;
  }

  /**
   * Forget every token verified with key `kid`. Call it when a key leaves the key ring (rotation
   * done, key withdrawn or compromised): the kit does when the ring reports it (`KeyRing.onKeyRemoved`)
   * and when `kit.dropKey(kid)` is called. Returns how many entries were dropped.
   */
  dropKey(kid: string): number {
    const doomed: string[] = [];
    for (const [token, entry] of this.lru.entries()) if (entry.kid === kid) doomed.push(token);
    for (const token of doomed) this.lru.delete(token);
    return doomed.length;
  }

  /** Forget every token. */
  clear(): void {
    this.lru.clear();
  }

  /** Tokens held. */
  get size(): number {
    return this.lru.size;
  }

  /** Estimated bytes held. */
  get bytes(): number {
    return this.lru.calculatedSize;
  }
}

/**
 * The token string, plus its decoded claims (never longer than the token's payload segment, which
 * is shorter than the token), plus the fixed cost of the objects.
 */
function entryBytes(_entry: CachedToken, token: string): number {
  return ENTRY_OVERHEAD_BYTES + 2 * token.length;
}
