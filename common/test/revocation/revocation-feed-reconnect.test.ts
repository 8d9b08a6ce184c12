import { connect } from 'nats';
import { AUTH_STREAM, RevocationFeed, RevocationSet } from '@authbus/common';
import { feedBusPerTest, nextReconnect, publishSignOuts } from '../support/feed-bus';
import { startTcpProxy, waitFor } from '@authbus/common/testing';

const UNTIL = Math.floor(Date.now() / 1000) + 3600;

/**
 * The feed's consumer across reconnects and losses, on a real nats-server: a reconnect to a
 * server that still holds the consumer keeps it (no new consumer, nothing replayed); a consumer
 * that is gone is replaced at once from the next unapplied sequence.
 */
describe('RevocationFeed across reconnects', () => {
  const { bus: currentBus, feeds, connections } = feedBusPerTest();
  const publish = (prefix: string, count: number) => publishSignOuts(currentBus().nc, prefix, count, UNTIL);

  /** A feed reading the stream only (no live subscription): every event it applies came through its consumer. */
  async function startFeed(servers: string) {
    const nc = await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    connections.push(nc);
    const feed = new RevocationFeed({ nc, set: new RevocationSet(), syncIntervalMs: 100, live: false });
    feeds.push(feed);
    feed.start();
    await feed.whenCaughtUp();
    return { feed, nc };
  }

  it('applies each event once: the stream copy of an event applied live is skipped', async () => {
    const nc = await connect({ servers: currentBus().server.url });
    connections.push(nc);
    const applied: string[] = [];
    const feed = new RevocationFeed({
      nc,
      set: new RevocationSet(),
      syncIntervalMs: 100,
      onApplied: (envelope) => applied.push(envelope.id),
    });
    feeds.push(feed);
    feed.start();
    await feed.whenCaughtUp();
    await publish('live', 10);
    await waitFor(() => feed.stats.appliedSeq === 10, { description: 'the stream to deliver all 10' });
    expect(feed.stats.applied.live + feed.stats.applied.stream).toBe(10);
    expect(new Set(applied).size).toBe(10);
    expect(applied).toHaveLength(10);
  });

  async function consumerNames(): Promise<string[]> {
    const jsm = await currentBus().nc.jetstreamManager();
    return (await jsm.consumers.list(AUTH_STREAM).next()).map((c) => c.name).sort();
  }

  it('keeps a healthy consumer across a reconnect and applies what follows once', async () => {
    await publish('before', 5);
    const proxy = await startTcpProxy(currentBus().server.port);
    try {
      const { feed, nc } = await startFeed(proxy.url);
      const consumers = await consumerNames();
      expect(consumers).toHaveLength(1);
      const reconnected = nextReconnect(nc);
      await proxy.cut();
      await proxy.restore();
      await reconnected;
      const back = Date.now();
      await waitFor(() => feed.lastSyncAt >= back, { description: 'in sync again after the reconnect' });
      await publish('after', 3);
      await waitFor(() => feed.stats.appliedSeq === 8, { description: 'the events after the reconnect' });
      expect(feed.stats.consumerRestarts).toBe(0);
      expect(await consumerNames()).toEqual(consumers);
      // Nothing replayed: each of the 8 events applied from the stream exactly once.
      expect(feed.stats.applied.stream).toBe(8);
    } finally {
      await proxy.close();
    }
  });

  it('replaces a consumer deleted under it without waiting for anything to be published', async () => {
    await publish('before', 4);
    const { feed } = await startFeed(currentBus().server.url);
    const [name] = await consumerNames();
    await (await currentBus().nc.jetstreamManager()).consumers.delete(AUTH_STREAM, name!);
    await waitFor(async () => feed.stats.consumerRestarts === 1 && (await consumerNames()).length === 1, {
      description: 'a new consumer',
    });
    expect(await consumerNames()).not.toEqual([name]);
    await publish('after', 2);
    await waitFor(() => feed.stats.appliedSeq === 6, { description: 'the events after the replacement' });
    expect(feed.stats.applied.stream).toBe(6);
  });

  it('replaces the consumer a restarted server lost and replays nothing it had applied', async () => {
    await publish('before', 4);
    const { feed, nc } = await startFeed(currentBus().server.url);
    const reconnected = nextReconnect(nc);
    await currentBus().server.kill('SIGKILL');
    await currentBus().server.restart();
    await reconnected;
    const back = Date.now();
    await waitFor(() => feed.lastSyncAt >= back && feed.stats.consumerRestarts === 1, {
      description: 'in sync on a new consumer',
    });
    // The publisher's own connection comes back on its own time.
    await waitFor(async () => (await currentBus().nc.jetstreamManager()).streams.info(AUTH_STREAM), {
      timeoutMs: 20_000,
    });
    await publish('after', 2);
    await waitFor(() => feed.stats.appliedSeq === 6, { description: 'the events after the restart' });
    expect(feed.stats.applied.stream).toBe(6);
    expect(feed.stats.consumerRestarts).toBe(1);
  });
});
