import { connect, headers } from 'nats';
import { AUTH_STREAM, RevocationFeed, RevocationSet, Subjects, type SessionRevokedEvent } from '@authbus/common';
import { createEnvelope, ensureAuthStream, publishEnvelope } from '@authbus/common/issuer';
import { recordingLogger } from '../support/recording-logger';
import { feedBusPerTest, nextReconnect, publishSignOuts } from '../support/feed-bus';
import { startNatsServer, startTcpProxy, waitFor } from '@authbus/common/testing';

const UNTIL = Math.floor(Date.now() / 1000) + 3600;

/**
 * The feed on a stream that republishes its events with their sequences (what `ensureAuthStream`
 * creates), on a real nats-server: each event reaches it once, live, with no consumer in steady
 * state; a sequence missing live (lost with the connection) is read from the stream, whether a
 * later event shows the gap or only the stream's last sequence does.
 */
describe('RevocationFeed on a republishing stream', () => {
  const { bus: currentBus, feeds, connections } = feedBusPerTest();
  const publish = (prefix: string, count: number) => publishSignOuts(currentBus().nc, prefix, count, UNTIL);

  async function startFeed(servers: string) {
    const nc = await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    connections.push(nc);
    const set = new RevocationSet();
    const applied: string[] = [];
    const feed = new RevocationFeed({
      nc,
      set,
      syncIntervalMs: 100,
      onApplied: (envelope) => applied.push(envelope.id),
    });
    feeds.push(feed);
    feed.start();
    await feed.whenCaughtUp();
    // The replay's consumer goes once it has delivered everything: from then on, only the live path.
    await waitFor(async () => !feed.stats.readingStream && (await consumerCount()) === 0, {
      description: 'the replay consumer deleted',
    });
    return { feed, nc, set, applied };
  }

  async function consumerCount(): Promise<number> {
    const jsm = await currentBus().nc.jetstreamManager();
    return (await jsm.consumers.list(AUTH_STREAM).next()).length;
  }

  const revoked = (set: RevocationSet, sid: string) => set.isRevoked({ sid, sub: 'u', gen: 0 });

  it('gets each event once, live, and keeps no consumer once it has replayed the stream', async () => {
    await publish('before', 5);
    const { feed, set, applied } = await startFeed(currentBus().server.url);
    expect(feed.stats.liveMode).toBe('sequenced');
    expect(feed.stats.applied.stream).toBe(5);
    await publish('after', 20);
    await waitFor(() => feed.stats.appliedSeq === 25, { description: 'all 25 applied' });
    expect(feed.stats.applied).toEqual({ live: 20, stream: 5 });
    expect(new Set(applied).size).toBe(25);
    expect(applied).toHaveLength(25);
    expect(feed.stats.gapFills).toBe(0);
    expect(await consumerCount()).toBe(0);
    expect(revoked(set, 'after-19')).toBe(true);
  });

  it('reads the stream for events lost with the connection as soon as a later one arrives', async () => {
    const proxy = await startTcpProxy(currentBus().server.port);
    try {
      const { feed, nc, set } = await startFeed(proxy.url);
      const reconnected = nextReconnect(nc);
      await proxy.cut();
      await publish('lost', 3);
      await proxy.restore();
      await reconnected;
      await publish('later', 1);
      await waitFor(() => feed.stats.appliedSeq === 4, { description: 'the lost events read from the stream' });
      for (const sid of ['lost-0', 'lost-1', 'lost-2', 'later-0']) expect(revoked(set, sid)).toBe(true);
      expect(feed.stats.gapFills).toBeGreaterThanOrEqual(1);
      // Only the lost three came from the stream; the later one was applied live, not again.
      expect(feed.stats.applied.live + feed.stats.applied.stream).toBe(4);
      await waitFor(async () => (await consumerCount()) === 0, { description: 'the gap consumer deleted' });
    } finally {
      await proxy.close();
    }
  });

  it('reads the stream for the last events lost with the connection when nothing follows them', async () => {
    const proxy = await startTcpProxy(currentBus().server.port);
    try {
      const { feed, nc, set } = await startFeed(proxy.url);
      const reconnected = nextReconnect(nc);
      await proxy.cut();
      await publish('lost', 2);
      const published = Date.now();
      await proxy.restore();
      await reconnected;
      await waitFor(() => feed.stats.appliedSeq === 2 && feed.lastSyncAt >= published, {
        description: 'the stream read for what its last sequence says is missing',
      });
      expect(revoked(set, 'lost-1')).toBe(true);
      expect(feed.stats.gapFills).toBe(1);
      await waitFor(async () => (await consumerCount()) === 0, { description: 'the gap consumer deleted' });
    } finally {
      await proxy.close();
    }
  });

  it('skips a message on the live subjects without the stream position nats-server adds', async () => {
    const { feed, set } = await startFeed(currentBus().server.url);
    const event = createEnvelope<SessionRevokedEvent>(Subjects.SessionRevoked, {
      sid: 'forged',
      sub: 'u',
      reason: 'signout',
      revokedAt: new Date().toISOString(),
      until: UNTIL,
    });
    const h = headers();
    h.set('Nats-Stream', 'OTHER');
    h.set('Nats-Sequence', '1');
    h.set('Nats-Subject', Subjects.SessionRevoked);
    currentBus().nc.publish('auth.live.session.revoked', JSON.stringify(event));
    currentBus().nc.publish('auth.live.session.revoked', JSON.stringify(event), { headers: h });
    await waitFor(() => feed.stats.invalid === 2, { description: 'both counted as invalid' });
    expect(revoked(set, 'forged')).toBe(false);
    expect(feed.stats.appliedSeq).toBe(0);
  });
});

describe('RevocationFeed on a stream that does not republish', () => {
  it('subscribes to auth publish and consumes the stream as well, applying each event once', async () => {
    const server = await startNatsServer();
    const nc = await connect({ servers: server.url });
    const applied: string[] = [];
    const feed = new RevocationFeed({
      nc,
      set: new RevocationSet(),
      syncIntervalMs: 100,
      onApplied: (e) => applied.push(e.id),
    });
    try {
      await ensureAuthStream(await nc.jetstreamManager(), { maxAgeMs: 3600_000, republish: false });
      feed.start();
      await feed.whenCaughtUp();
      expect(feed.stats.liveMode).toBe('unsequenced');
      for (let i = 0; i < 5; i++)
        await publishEnvelope(
          nc.jetstream(),
          createEnvelope<SessionRevokedEvent>(Subjects.SessionRevoked, {
            sid: `s-${i}`,
            sub: 'u',
            reason: 'signout',
            revokedAt: new Date().toISOString(),
            until: UNTIL,
          }),
        );
      await waitFor(() => feed.stats.appliedSeq === 5, { description: 'the stream delivering all 5' });
      expect(applied).toHaveLength(5);
      expect((await (await nc.jetstreamManager()).consumers.list(AUTH_STREAM).next()).length).toBe(1);
    } finally {
      await feed.close();
      await nc.close();
      await server.stop();
    }
  });

  it('is given the republish by ensureAuthStream where the server can add it, and kept working where not', async () => {
    const server = await startNatsServer();
    const nc = await connect({ servers: server.url });
    try {
      const jsm = await nc.jetstreamManager();
      await ensureAuthStream(jsm, { maxAgeMs: 3600_000, republish: false });
      const { logger, warnings } = recordingLogger();
      const info = await ensureAuthStream(jsm, { maxAgeMs: 3600_000 }, logger);
      const [major = 0, minor = 0] = (nc.info?.version ?? '0.0').split('.').map(Number);
      if (major > 2 || (major === 2 && minor >= 10)) {
        expect(info.config.republish?.dest).toBe('auth.live.>');
        expect(warnings).toEqual([]);
      } else {
        expect(info.config.republish).toBeUndefined();
        expect(warnings).toEqual([expect.stringMatching(/keeps its republish setting/)]);
      }
      expect(info.config.max_age).toBe(3600_000 * 1_000_000);
    } finally {
      await nc.close();
      await server.stop();
    }
  });
});
