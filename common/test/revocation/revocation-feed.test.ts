import { connect, type JetStreamManagerOptions, type NatsConnection, type StreamAPI, type StreamInfo } from 'nats';
import {
  AUTH_STREAM,
  RevocationFeed,
  RevocationSet,
  Subjects,
  type SessionRevokedEvent,
  type UserBannedEvent,
} from '@authbus/common';
import {
  AUTH_HEARTBEAT_SUBJECT,
  createEnvelope,
  encodeHeartbeat,
  ensureAuthStream,
  publishEnvelope,
  type AuthHeartbeat,
} from '@authbus/common/issuer';
import { startTcpProxy, waitFor, type NatsServerHandle, startAuthBus, type AuthBus } from '@authbus/common/testing';

const UNTIL = Math.floor(Date.now() / 1000) + 3600;

function sessionRevoked(sid: string, until = UNTIL) {
  return createEnvelope<SessionRevokedEvent>(Subjects.SessionRevoked, {
    sid,
    sub: `user-of-${sid}`,
    reason: 'signout',
    revokedAt: new Date().toISOString(),
    until,
  });
}

/**
 * A connection whose JetStream stream-info replies the test can hold back, as a slow network
 * or a busy server would: `capture()` resolves with the last sequence of the next reply, which
 * the feed gets only at `release()`.
 */
function holdingStreamInfo(real: NatsConnection) {
  let capturing: ((lastSeq: number) => void) | undefined;
  let infoCalls = 0;
  let releaseHeld: () => void = () => undefined;
  const holdStreams = (streams: StreamAPI): StreamAPI =>
    new Proxy(streams, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (prop !== 'info' || typeof value !== 'function') return value;
        return async (...args: Parameters<StreamAPI['info']>): Promise<StreamInfo> => {
          infoCalls++;
          const info = await target.info(...args);
          const captured = capturing;
          if (captured) {
            capturing = undefined;
            await new Promise<void>((resolve) => {
              releaseHeld = resolve;
              captured(info.state.last_seq);
            });
          }
          return info;
        };
      },
    });
  const nc = new Proxy(real, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (prop === 'jetstreamManager')
        return async (opts?: JetStreamManagerOptions) => {
          const jsm = await target.jetstreamManager(opts);
          return new Proxy(jsm, {
            get: (t, p) => (p === 'streams' ? holdStreams(t.streams) : (Reflect.get(t, p, t) as unknown)),
          });
        };
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    nc,
    capture: () => new Promise<number>((resolve) => (capturing = resolve)),
    release: () => releaseHeld(),
    /** How many stream-info requests were made through it. */
    infoCalls: () => infoCalls,
  };
}

describe('RevocationFeed', () => {
  let bus: AuthBus;
  let server: NatsServerHandle;
  let publisher: NatsConnection;
  const feeds: RevocationFeed[] = [];
  const connections: NatsConnection[] = [];

  async function publishRevocations(prefix: string, count: number): Promise<void> {
    const js = publisher.jetstream();
    await Promise.all(Array.from({ length: count }, (_, i) => publishEnvelope(js, sessionRevoked(`${prefix}-${i}`))));
  }

  async function startFeed(servers = server.url, options: { live?: boolean } = {}) {
    const nc = await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    connections.push(nc);
    const set = new RevocationSet();
    const feed = new RevocationFeed({ nc, set, syncIntervalMs: 100, ...options });
    feeds.push(feed);
    feed.start();
    return { set, feed, nc };
  }

  beforeEach(async () => {
    bus = await startAuthBus({ maxAgeMs: 3600_000 });
    ({ server, nc: publisher } = bus);
  });

  afterEach(async () => {
    await Promise.all(feeds.splice(0).map((f) => f.close()));
    await Promise.all(connections.splice(0).map((c) => c.close()));
    await bus.stop();
  });

  it('is caught up at once on an empty stream', async () => {
    const { feed } = await startFeed();
    await feed.whenCaughtUp();
    expect(feed.caughtUp).toBe(true);
    expect(feed.lastSyncAt).toBeGreaterThan(0);
  });

  it('replays every retained revocation before it reports caught up', async () => {
    await publishRevocations('old', 500);
    const { set, feed } = await startFeed();
    await feed.whenCaughtUp();
    expect(set.size.sessions).toBe(500);
    expect(feed.stats.appliedSeq).toBe(500);
  });

  it('applies a live revocation within a bounded wait', async () => {
    const { set, feed } = await startFeed();
    await feed.whenCaughtUp();
    await publishRevocations('live', 1);
    await waitFor(() => set.isRevoked({ sid: 'live-0', sub: 'x', gen: 0 }), { timeoutMs: 2000 });
  });

  it('skips past revocations whose until has passed', async () => {
    await publishEnvelope(publisher.jetstream(), sessionRevoked('expired', Math.floor(Date.now() / 1000) - 10));
    const { set, feed } = await startFeed();
    await feed.whenCaughtUp();
    expect(set.size.sessions).toBe(0);
    expect(feed.stats.ignored).toBe(1);
  });

  it('treats duplicate events as harmless: the stream stores one copy, the set one entry', async () => {
    const { set, feed } = await startFeed();
    await feed.whenCaughtUp();
    const event = sessionRevoked('dup');
    const js = publisher.jetstream();
    const first = await publishEnvelope(js, event);
    const second = await publishEnvelope(js, event);
    expect(second.duplicate).toBe(true);
    expect(second.seq).toBe(first.seq);
    await publishEnvelope(js, { ...sessionRevoked('dup'), id: crypto.randomUUID() });
    await waitFor(() => feed.stats.appliedSeq === 2);
    expect(set.size.sessions).toBe(1);
  });

  it('counts and skips malformed events and keeps going', async () => {
    const { set, feed } = await startFeed();
    await feed.whenCaughtUp();
    const js = publisher.jetstream();
    await js.publish(Subjects.SessionRevoked, new TextEncoder().encode('{"not":"an event"'));
    await js.publish(Subjects.UserBanned, JSON.stringify(sessionRevoked('wrong-subject')));
    await publishRevocations('after', 1);
    await waitFor(() => set.isRevoked({ sid: 'after-0', sub: 'x', gen: 0 }));
    await waitFor(() => feed.stats.appliedSeq === 3);
    // Each malformed message is seen once: live, with its sequence (the stream is not read for it).
    expect(feed.stats.invalid).toBe(2);
  });

  it('applies ban cut-offs by token generation', async () => {
    const { set, feed } = await startFeed();
    await feed.whenCaughtUp();
    const ban = createEnvelope<UserBannedEvent>(Subjects.UserBanned, {
      sub: 'u1',
      reason: 'abuse',
      belowGeneration: 2,
      until: UNTIL,
      revokedBefore: 1000,
    });
    await publishEnvelope(publisher.jetstream(), ban);
    await waitFor(() => set.isRevoked({ sid: 'any', sub: 'u1', gen: 1 }));
    expect(set.isRevoked({ sid: 'any', sub: 'u1', gen: 2 })).toBe(false);
  });

  it('gets every event published while its connection was cut, once it reconnects', async () => {
    const proxy = await startTcpProxy(server.port);
    try {
      const { set, feed } = await startFeed(proxy.url);
      await feed.whenCaughtUp();
      await proxy.cut();
      await publishRevocations('missed', 20);
      await proxy.restore();
      await waitFor(() => set.size.sessions === 20, {
        timeoutMs: 15_000,
        description: 'missed revocations after reconnect',
      });
      expect(feed.stats.applied.stream).toBe(20);
    } finally {
      await proxy.close();
    }
  });

  it('applies an event published while the server is down once it restarts', async () => {
    await publishRevocations('before', 3);
    const { set, feed } = await startFeed();
    await feed.whenCaughtUp();
    await server.kill('SIGKILL');
    // Published the way the auth outbox relay does it: retried with the same id until acked.
    const event = sessionRevoked('during');
    const publishing = waitFor(() => publishEnvelope(publisher.jetstream(), event, 1000), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    await server.restart();
    await publishing;
    await waitFor(() => set.isRevoked({ sid: 'during', sub: 'x', gen: 0 }), {
      timeoutMs: 15_000,
      description: 'the event after restart',
    });
    await publishRevocations('after', 1);
    await waitFor(() => set.isRevoked({ sid: 'after-0', sub: 'x', gen: 0 }), { timeoutMs: 15_000 });
    expect(set.size.sessions).toBe(5);
  });

  it('replays a stream that was deleted and created again while it was cut off', async () => {
    await publishRevocations('old', 5);
    const proxy = await startTcpProxy(server.port);
    try {
      const { set, feed } = await startFeed(proxy.url);
      await feed.whenCaughtUp();
      expect(feed.stats.appliedSeq).toBe(5);
      await proxy.cut();
      const jsm = await publisher.jetstreamManager();
      await jsm.streams.delete(AUTH_STREAM);
      await ensureAuthStream(jsm, { maxAgeMs: 3600_000 });
      // The new stream's first event is below the sequence the feed had reached; more follow.
      await publishRevocations('reborn', 7);
      await proxy.restore();
      await waitFor(() => set.isRevoked({ sid: 'reborn-0', sub: 'x', gen: 0 }) && feed.stats.appliedSeq === 7, {
        timeoutMs: 15_000,
        description: 'the recreated stream to be replayed from its start',
      });
    } finally {
      await proxy.close();
    }
  });

  it('a late joiner replays revocations it never saw live', async () => {
    const early = await startFeed();
    await early.feed.whenCaughtUp();
    await publishRevocations('history', 50);
    await waitFor(() => early.set.size.sessions === 50);
    const late = await startFeed(server.url, { live: false });
    await late.feed.whenCaughtUp();
    expect(late.set.size.sessions).toBe(50);
  });
  it('does not take a heartbeat reply that left before the consumer progressed for a stream reset', async () => {
    await publishRevocations('old', 3);
    const real = await connect({ servers: server.url });
    connections.push(real);
    const held = holdingStreamInfo(real);
    const feed = new RevocationFeed({ nc: held.nc, set: new RevocationSet(), syncIntervalMs: 100 });
    feeds.push(feed);
    feed.start();
    await feed.whenCaughtUp();
    expect(feed.stats.appliedSeq).toBe(3);
    // A heartbeat reply saying "last sequence 3" is on its way while the consumer applies 4 to 8.
    expect(await held.capture()).toBe(3);
    await publishRevocations('new', 5);
    await waitFor(() => feed.stats.appliedSeq === 8, { description: 'the consumer to apply the new events' });
    held.release();
    await waitFor(() => feed.stats.streamSeq === 8, { description: 'a later heartbeat' });
    expect(feed.stats.consumerRestarts).toBe(0);
    expect(feed.stats.appliedSeq).toBe(8);
    expect(feed.stats.applied.stream + feed.stats.applied.live).toBe(8);
  });
  describe("the auth service's heartbeat", () => {
    async function heartbeat(fields: Partial<AuthHeartbeat> = {}): Promise<AuthHeartbeat> {
      const info = await (await publisher.jetstreamManager()).streams.info(AUTH_STREAM);
      const beat: AuthHeartbeat = {
        v: 1,
        instance: 'auth-1',
        at: Date.now(),
        stream: { lastSeq: info.state.last_seq, created: info.created },
        unpublishedSince: null,
        ...fields,
      };
      publisher.publish(AUTH_HEARTBEAT_SUBJECT, encodeHeartbeat(beat));
      await publisher.flush();
      return beat;
    }

    async function startCountedFeed() {
      const real = await connect({ servers: server.url });
      connections.push(real);
      const counted = holdingStreamInfo(real);
      const set = new RevocationSet();
      const feed = new RevocationFeed({ nc: counted.nc, set, syncIntervalMs: 50, heartbeatTimeoutMs: 60_000 });
      feeds.push(feed);
      feed.start();
      await feed.whenCaughtUp();
      return { feed, set, infoCalls: counted.infoCalls };
    }

    it('stops asking the server while heartbeats arrive, and is kept in sync by them', async () => {
      await publishRevocations('old', 2);
      const { feed, infoCalls } = await startCountedFeed();
      await heartbeat();
      await waitFor(() => feed.stats.heartbeats === 1);
      const callsAfterFirst = infoCalls();
      const syncedBefore = feed.lastSyncAt;
      await publishRevocations('new', 3);
      await waitFor(() => feed.stats.appliedSeq === 5);
      const beat = await heartbeat();
      await waitFor(() => feed.stats.heartbeats === 2);
      expect(feed.stats.streamSeq).toBe(5);
      expect(feed.lastSyncAt).toBeGreaterThanOrEqual(Math.max(syncedBefore, Math.min(beat.at, Date.now())));
      // A probe already under way when the first heartbeat came may finish; no new one starts.
      expect(infoCalls() - callsAfterFirst).toBeLessThanOrEqual(1);
    });

    it('counts itself in sync no later than the oldest revocation auth could not publish, until auth publishes it', async () => {
      const { feed } = await startCountedFeed();
      const since = Date.now() - 40_000;
      await heartbeat({ unpublishedSince: since });
      await waitFor(() => feed.stats.authUnpublishedSince === since);
      expect(feed.lastSyncAt).toBe(since);
      // Another instance with nothing waiting does not speak for this one.
      await heartbeat({ instance: 'auth-2' });
      await waitFor(() => feed.stats.heartbeats === 2);
      expect(feed.lastSyncAt).toBe(since);
      await heartbeat();
      await waitFor(() => feed.stats.authUnpublishedSince === null);
      expect(feed.lastSyncAt).toBeGreaterThan(since);
    });

    it('takes the word of any instance of a shared outbox for all of them, a silent one included', async () => {
      const { feed } = await startCountedFeed();
      const since = Date.now() - 40_000;
      await heartbeat({ instance: 'crashed', unpublishedSince: since, sharedOutbox: true });
      await waitFor(() => feed.stats.authUnpublishedSince === since);
      await heartbeat({ instance: 'restarted', sharedOutbox: true });
      await waitFor(() => feed.stats.authUnpublishedSince === null);
    });

    it('counts a malformed heartbeat and keeps going', async () => {
      const { feed, set } = await startCountedFeed();
      for (const bad of ['{"v":1', '{"v":2,"instance":"a","at":1,"stream":null,"unpublishedSince":null}', '[]'])
        publisher.publish(AUTH_HEARTBEAT_SUBJECT, new TextEncoder().encode(bad));
      await publishRevocations('after', 1);
      await waitFor(() => set.isRevoked({ sid: 'after-0', sub: 'x', gen: 0 }));
      await waitFor(() => feed.stats.invalid === 3);
      expect(feed.stats.heartbeats).toBe(0);
    });

    it('asks the server when a heartbeat speaks of a stream created at another time', async () => {
      const { feed, infoCalls } = await startCountedFeed();
      await heartbeat();
      await waitFor(() => feed.stats.heartbeats === 1);
      const calls = infoCalls();
      await heartbeat({ stream: { lastSeq: 0, created: new Date(Date.now() + 1000).toISOString() } });
      await waitFor(() => infoCalls() > calls, { description: 'a probe of its own' });
    });
  });
});
