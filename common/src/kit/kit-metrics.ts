import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RevocationFeed } from '../feed/revocation-feed';
import type { RevocationSet } from '../revocation/revocation-set';

/** Approximate heap bytes per revocation entry (see the memory benchmark); for the estimate gauge. */
export const APPROX_BYTES_PER_ENTRY = 80;

/** The metrics the kit updates on the request path. */
export interface KitMetrics {
  authFailures: Counter<'code'>;
  staleServed: Counter;
  /** Seconds from an event's `occurredAt` (auth's clock) to its being applied here, by source. */
  propagation: Histogram<'source'>;
  /** Tokens this service asked the token endpoint for (`fetchAsService`, `fetchOnBehalf`). */
  serviceTokenRequests: Counter<'grant' | 'result'>;
}

/** Buckets of the propagation histogram, seconds: a millisecond to the default staleness bound. */
export const PROPAGATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Register the kit's metrics: revocation set size and memory estimate, events applied / ignored /
 * invalid, feed caught-up, staleness and lag, consumer restarts, auth failures by code, and the
 * propagation delay of each revocation applied (event `occurredAt` → applied, per source).
 * Values that live in the set and feed are read when Prometheus scrapes, not on each request.
 */
export function registerKitMetrics(
  registry: Registry,
  set: RevocationSet,
  feed: () => RevocationFeed | undefined,
  staleness: () => { seconds: number; stale: boolean },
): KitMetrics {
  new Gauge({
    name: 'authbus_revocation_entries',
    help: 'Entries in the local revocation set',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const size = set.size;
      this.set({ kind: 'session' }, size.sessions);
      this.set({ kind: 'user' }, size.users);
      this.set({ kind: 'credential' }, size.credentials);
    },
  });
  new Gauge({
    name: 'authbus_revocation_memory_bytes',
    help: 'Estimated heap used by the revocation set',
    registers: [registry],
    collect() {
      const size = set.size;
      this.set((size.sessions + size.users) * APPROX_BYTES_PER_ENTRY);
    },
  });
  const seen = new Map<string, number>();
  new Counter({
    name: 'authbus_revocation_events_total',
    help: 'Events seen by the revocation feed, by source and result',
    labelNames: ['source', 'result'],
    registers: [registry],
    // Called before each scrape: fold the feed's plain counters into this Counter.
    collect() {
      const stats = feed()?.stats;
      if (!stats) return;
      const totals: Array<[{ source: string; result: string }, number]> = [
        [{ source: 'live', result: 'applied' }, stats.applied.live],
        [{ source: 'stream', result: 'applied' }, stats.applied.stream],
        [{ source: 'any', result: 'ignored' }, stats.ignored],
        [{ source: 'any', result: 'invalid' }, stats.invalid],
      ];
      for (const [labels, total] of totals) {
        const key = `${labels.source}/${labels.result}`;
        const delta = total - (seen.get(key) ?? 0);
        if (delta > 0) this.inc(labels, delta);
        seen.set(key, total);
      }
    },
  });
  new Gauge({
    name: 'authbus_revocation_feed_caught_up',
    help: '1 once the retained revocations have been replayed',
    registers: [registry],
    collect() {
      this.set(feed()?.caughtUp ? 1 : 0);
    },
  });
  new Gauge({
    name: 'authbus_revocation_feed_staleness_seconds',
    help: 'Seconds since the feed last knew it had every stored revocation',
    registers: [registry],
    collect() {
      this.set(staleness().seconds);
    },
  });
  new Gauge({
    name: 'authbus_revocation_feed_stale',
    help: '1 while staleness exceeds REVOCATION_MAX_STALENESS',
    registers: [registry],
    collect() {
      this.set(staleness().stale ? 1 : 0);
    },
  });
  new Gauge({
    name: 'authbus_revocation_feed_lag_messages',
    help: 'Stream messages not yet applied (at the last heartbeat)',
    registers: [registry],
    collect() {
      const stats = feed()?.stats;
      this.set(stats ? Math.max(0, stats.streamSeq - stats.appliedSeq) : 0);
    },
  });
  new Gauge({
    name: 'authbus_revocation_auth_silent_instances',
    help: 'Auth instances whose heartbeats stopped without a leaving heartbeat (the feed counts itself in sync no later than their last)',
    registers: [registry],
    collect() {
      this.set(feed()?.stats.authSilentInstances ?? 0);
    },
  });
  new Gauge({
    name: 'authbus_revocation_gap_fills',
    help: 'Times the stream was read for events its live republish did not bring (lost with a connection, a server or a leader)',
    registers: [registry],
    collect() {
      this.set(feed()?.stats.gapFills ?? 0);
    },
  });
  new Gauge({
    name: 'authbus_revocation_feed_reading_stream',
    help: '1 while a consumer reads the stream (the replay at start, a gap; always when events are not sequenced live)',
    registers: [registry],
    collect() {
      this.set(feed()?.stats.readingStream ? 1 : 0);
    },
  });
  new Gauge({
    name: 'authbus_revocation_live_sequenced',
    help: '1 when events arrive once, live, with their stream sequences (the stream republishes them); 0 when the stream is consumed as well',
    registers: [registry],
    collect() {
      this.set(feed()?.stats.liveMode === 'sequenced' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'authbus_revocation_consumer_restarts',
    help: 'Times the ordered consumer was re-created',
    registers: [registry],
    collect() {
      this.set(feed()?.stats.consumerRestarts ?? 0);
    },
  });
  return {
    authFailures: new Counter({
      name: 'authbus_auth_failures_total',
      help: 'Requests whose token was refused, by error code',
      labelNames: ['code'],
      registers: [registry],
    }),
    staleServed: new Counter({
      name: 'authbus_stale_requests_served_total',
      help: 'Authenticated requests served while the feed was stale (policy open)',
      registers: [registry],
    }),
    propagation: new Histogram({
      name: 'authbus_revocation_propagation_seconds',
      help: "Seconds from a revocation's occurredAt (auth's clock) to its being applied here, by source (live, stream); events replayed before the feed caught up are not counted",
      labelNames: ['source'],
      buckets: PROPAGATION_BUCKETS,
      registers: [registry],
    }),
    serviceTokenRequests: new Counter({
      name: 'authbus_service_token_requests_total',
      help: 'Tokens this service asked the token endpoint for, by grant (client_credentials, token_exchange) and result (ok, failed)',
      labelNames: ['grant', 'result'],
      registers: [registry],
    }),
  };
}
