import { AUTH_STREAM, LiveKeyRing, silentLogger } from '@authbus/common';
import { ensureAuthStream } from '@authbus/common/issuer';
import { startAuthBus, testKeyRing, waitFor, type AuthBus } from '@authbus/common/testing';
import { KeySetPublisher } from '../../src/keys/key-set-publisher';
import { HeartbeatPublisher } from '../../src/outbox/heartbeat-publisher';

/**
 * A withdrawal is answered before its key set is published. While the stream cannot take it, the
 * heartbeat says a change is waiting (as for an unpublished revocation), so verifiers go stale
 * instead of accepting the withdrawn key's tokens in silence.
 */
describe('a key withdrawal not yet published', () => {
  let bus: AuthBus;

  beforeAll(async () => {
    bus = await startAuthBus({ maxAgeMs: 3600_000 });
  });
  afterAll(async () => {
    await bus.stop();
  });

  it('is reported by the heartbeat until a key set carrying it is acked', async () => {
    const ring = new LiveKeyRing(testKeyRing());
    const keySets = new KeySetPublisher({
      nc: bus.nc,
      keyRing: ring,
      logger: silentLogger,
      now: Date.now,
      republishMs: 3600_000,
      retryMs: 100,
    });
    const heartbeat = new HeartbeatPublisher({
      nc: bus.nc,
      store: { kind: 'memory', backlog: () => Promise.resolve({ count: 0, oldestCreatedAt: undefined }) },
      intervalMs: 1000,
      logger: silentLogger,
      now: Date.now,
      pendingSince: () => keySets.unpublishedSince(),
    });
    try {
      expect(await keySets.publish()).toBe(true);
      expect((await heartbeat.beat())?.unpublishedSince).toBeNull();

      const jsm = await bus.nc.jetstreamManager();
      await jsm.streams.delete(AUTH_STREAM);
      const before = Date.now();
      ring.withdraw(ring.kids[0]!);
      expect(await keySets.publish()).toBe(false);
      const waiting = (await heartbeat.beat())?.unpublishedSince;
      expect(waiting).toBeGreaterThanOrEqual(before);

      await ensureAuthStream(jsm, { maxAgeMs: 3600_000 });
      await waitFor(() => keySets.unpublishedSince() === undefined, {
        description: 'the retried key set to be acked',
      });
      expect((await heartbeat.beat())?.unpublishedSince).toBeNull();
    } finally {
      keySets.close();
      await heartbeat.close();
    }
  });
});
