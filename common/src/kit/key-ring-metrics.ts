import { Counter, Gauge, type Registry } from 'prom-client';
import type { KeyRing } from '../tokens/key-ring';

/**
 * The metrics of the live key ring: how many keys it holds, key sets received (applied, or stale:
 * a copy no newer than the last), and keys removed by reason (withdrawn, retired).
 */
export function registerKeyRingMetrics(
  registry: Registry,
  ring: Pick<KeyRing, 'keys'>,
): { keySets: Counter<'result'>; removed: Counter<'reason'> } {
  new Gauge({
    name: 'authbus_keys',
    help: 'Verification keys in the key ring',
    registers: [registry],
    collect() {
      this.set(ring.keys.length);
    },
  });
  return {
    keySets: new Counter<'result'>({
      name: 'authbus_key_sets_total',
      help: 'Key sets (auth.keys.updated) received, by result (applied, stale)',
      labelNames: ['result'],
      registers: [registry],
    }),
    removed: new Counter<'reason'>({
      name: 'authbus_keys_removed_total',
      help: 'Keys removed from the key ring, by reason (withdrawn, retired)',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}
