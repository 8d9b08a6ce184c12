import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * The metrics of open watches (connections kept open on a token): how many are open, and how
 * many ended, by why. Operators watch the second for `revoked` to see revocations close streams.
 */
export function registerWatchMetrics(registry: Registry, open: () => number): { ended: Counter<'reason'> } {
  new Gauge({
    name: 'authbus_watches_open',
    help: 'Connections being watched for their claims to be refused (kit.watch)',
    registers: [registry],
    collect() {
      this.set(open());
    },
  });
  return {
    ended: new Counter<'reason'>({
      name: 'authbus_watches_ended_total',
      help: 'Watches that ended because their claims became refused, by reason (revoked, expired, stale)',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}
