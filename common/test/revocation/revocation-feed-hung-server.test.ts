import { connect, type NatsConnection } from 'nats';
import { AUTH_STREAM, RevocationFeed, RevocationSet } from '@authbus/common';
import { AUTH_HEARTBEAT_SUBJECT, encodeHeartbeat, ensureAuthStream } from '@authbus/common/issuer';
import { startNatsCluster, waitFor, type NatsClusterHandle } from '@authbus/common/testing';

/**
 * A feed on a server that hangs (SIGSTOP), with client pings too rare to notice: auth's heartbeats
 * stop reaching it, so it checks the server answers, finds it does not, and moves to another.
 */
describe('RevocationFeed on a hung server', () => {
  let cluster: NatsClusterHandle;
  const connections: NatsConnection[] = [];

  beforeAll(async () => {
    cluster = await startNatsCluster({ nodes: 3 });
  }, 60_000);

  afterAll(async () => {
    for (const node of cluster.nodes) node.resume();
    await Promise.all(connections.splice(0).map((c) => c.close()));
    await cluster.stop();
  });

  it('leaves a server that stopped answering once the heartbeats stop, without pings', async () => {
    const [first, ...others] = cluster.nodes;
    const admin = await connect({ servers: others.map((n) => n.url) });
    connections.push(admin);
    await ensureAuthStream(await admin.jetstreamManager(), { maxAgeMs: 3600_000, replicas: 3 });
    const { created } = await (await admin.jetstreamManager()).streams.info(AUTH_STREAM);
    // Auth's heartbeats, from a connection that stays on the healthy servers.
    const beat = setInterval(() => {
      const heartbeat = {
        v: 1 as const,
        instance: 'auth-1',
        at: Date.now(),
        stream: { lastSeq: 0, created },
        unpublishedSince: null,
      };
      admin.publish(AUTH_HEARTBEAT_SUBJECT, encodeHeartbeat(heartbeat));
    }, 100);
    const nc = await connect({
      servers: [first!.url, ...others.map((n) => n.url)],
      noRandomize: true,
      pingInterval: 600_000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 100,
      timeout: 2000,
    });
    connections.push(nc);
    const feed = new RevocationFeed({ nc, set: new RevocationSet(), syncIntervalMs: 100, heartbeatTimeoutMs: 500 });
    try {
      feed.start();
      await feed.whenCaughtUp();
      await waitFor(() => feed.stats.heartbeats > 0, { description: 'a heartbeat' });
      expect(nc.getServer()).toBe(first!.url.replace('nats://', ''));
      await first!.pause();
      const pausedAt = Date.now();
      await waitFor(() => nc.getServer() !== first!.url.replace('nats://', '') && feed.lastSyncAt > pausedAt, {
        timeoutMs: 15_000,
        description: 'the feed on another server, in sync again',
      });
    } finally {
      clearInterval(beat);
      first!.resume();
      await feed.close();
    }
  }, 60_000);
});
