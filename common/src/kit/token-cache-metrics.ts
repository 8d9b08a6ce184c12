import { Counter, Gauge, type Registry } from 'prom-client';
import type { TokenCacheStats, VerifiedTokenCache } from '../tokens/verified-token-cache';

/**
 * Register the verified-token cache's metrics: hits, misses and evictions (counters), entries and
 * estimated bytes (gauges). The cache counts in plain numbers on the request path; they are folded
 * into the counters when Prometheus scrapes.
 */
export function registerTokenCacheMetrics(registry: Registry, cache: VerifiedTokenCache): void {
  const counters: Array<[keyof TokenCacheStats, string]> = [
    ['hits', 'Requests whose token was found in the verified-token cache'],
    ['misses', 'Requests whose token was not in the verified-token cache (verified in full)'],
    ['evictions', 'Tokens evicted from the verified-token cache to stay within its bounds'],
  ];
  for (const [stat, help] of counters) {
    let seen = 0;
    new Counter({
      name: `authbus_token_cache_${stat}_total`,
      help,
      registers: [registry],
      collect() {
        const total = cache.stats[stat];
        if (total > seen) this.inc(total - seen);
        seen = total;
      },
    });
  }
  new Gauge({
    name: 'authbus_token_cache_entries',
    help: 'Tokens held by the verified-token cache',
    registers: [registry],
    collect() {
      this.set(cache.size);
    },
  });
  new Gauge({
    name: 'authbus_token_cache_bytes',
    help: 'Estimated heap bytes held by the verified-token cache',
    registers: [registry],
    collect() {
      this.set(cache.bytes);
    },
  });
}
