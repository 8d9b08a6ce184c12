import request from 'supertest';
import { connect, type NatsConnection } from 'nats';
import { AUTH_STREAM, silentLogger } from '@authbus/common';
import { AUTH_HEARTBEAT_SUBJECT, type AuthHeartbeat } from '@authbus/common/issuer';
import { startNatsServer, waitFor } from '@authbus/common/testing';
import { HeartbeatPublisher } from '../../src/outbox/heartbeat-publisher';
import { startTestAuth, type TestAuth } from '../support/test-auth';

describe("auth's heartbeat", () => {
  let auth: TestAuth;
  const beats: AuthHeartbeat[] = [];

  beforeAll(async () => {
    auth = await startTestAuth({ env: { AUTH_HEARTBEAT_INTERVAL: '100ms' } });
    auth.reader.subscribe(AUTH_HEARTBEAT_SUBJECT, {
      callback: (err, msg) => {
        if (!err) beats.push(msg.json<AuthHeartbeat>());
      },
    });
  });

  afterAll(async () => {
    await auth.stop();
  });

  it("carries the stream's last sequence and an empty outbox, and is not stored in the stream", async () => {
    const { cookie } = await auth.signup('beat@example.com');
    await request(auth.service.app).post('/api/users/signout').set('Cookie', cookie).expect(200);
    const info = await (await auth.reader.jetstreamManager()).streams.info(AUTH_STREAM);
    // A heartbeat that read the outbox just before the sign-out's event left it, and the stream just
    // after, says "waiting since" with that sequence (it errs on the safe side); the next ones don't.
    const beat = await waitFor(
      () => beats.find((b) => b.stream?.lastSeq === info.state.last_seq && b.unpublishedSince === null),
      { description: 'a heartbeat with the last sequence and nothing waiting' },
    );
    // It announces the silent memory it answers revocations by (REVOCATION_SILENT_MEMORY, 2 min by default).
    expect(beat).toMatchObject({
      v: 1,
      unpublishedSince: null,
      stream: { created: info.created },
      silentMemoryMs: 120_000,
    });
    expect(beat).not.toHaveProperty('sharedOutbox');
    expect(beat.instance).toEqual(expect.any(String));
    expect((await auth.events()).length).toBe(info.state.messages);
    expect(info.config.subjects).toEqual(['auth.session.>', 'auth.user.>', 'auth.keys.>', 'auth.service.>']);
  });
});

describe('HeartbeatPublisher', () => {
  it('says since when the outbox holds revocations, and sends null for a stream it cannot read', async () => {
    const server = await startNatsServer();
    const nc = await connect({ servers: server.url });
    try {
      const oldest = new Date(Date.now() - 5000);
      const publisher = publisherOn(nc, { kind: 'mongo', count: 2, oldest, intervalMs: 100 });
      // No AUTH stream on this server.
      const beat = await publisher.beat();
      // A MongoDB outbox is shared by every auth instance: this one speaks for all.
      expect(beat).toMatchObject({ stream: null, unpublishedSince: oldest.getTime(), sharedOutbox: true });
    } finally {
      await nc.close();
      await server.stop();
    }
  });

  it('says nothing of the stream when a member of a leaderless group answers (an election: its last sequence may lag)', async () => {
    const server = await startNatsServer();
    const real = await connect({ servers: server.url });
    const answers: Array<{ leader: string }> = [{ leader: '' }, { leader: 'n2' }];
    // The server's own connection, but stream info as a cluster member gives it during an election, then after it.
    const nc = new Proxy(real, {
      get(target, key, receiver) {
        if (key !== 'jetstreamManager') return Reflect.get(target, key, receiver) as unknown;
        return () =>
          Promise.resolve({
            streams: {
              info: () =>
                Promise.resolve({
                  created: '2026-12-01T00:00:00Z',
                  state: { last_seq: 179 },
                  cluster: { name: 'c', ...answers.shift()! },
                }),
            },
          });
      },
    });
    try {
      const publisher = publisherOn(nc, { intervalMs: 100 });
      expect(await publisher.beat()).toMatchObject({ stream: null });
      expect(await publisher.beat()).toMatchObject({ stream: { lastSeq: 179, created: '2026-12-01T00:00:00Z' } });
    } finally {
      await real.close();
      await server.stop();
    }
  });

  it('sends a last, leaving heartbeat with what is still waiting, and none after it', async () => {
    const server = await startNatsServer();
    const nc = await connect({ servers: server.url });
    const reader = await connect({ servers: server.url });
    try {
      const received: AuthHeartbeat[] = [];
      reader.subscribe(AUTH_HEARTBEAT_SUBJECT, { callback: (err, msg) => !err && received.push(msg.json()) });
      await reader.flush();
      const oldest = new Date(Date.now() - 1000);
      const publisher = publisherOn(nc, { count: 1, oldest, intervalMs: 50 });
      publisher.start();
      await waitFor(() => received.length > 0, { description: 'a heartbeat' });
      const last = await publisher.leave();
      expect(last).toMatchObject({ leaving: true, unpublishedSince: oldest.getTime() });
      await waitFor(() => received.some((b) => b.leaving === true), { description: 'the leaving heartbeat' });
      const count = received.length;
      await reader.flush();
      await nc.flush();
      expect(received.length).toBe(count);
      expect(received.at(-1)).toMatchObject({ leaving: true, instance: publisher.instance });
    } finally {
      await nc.close();
      await reader.close();
      await server.stop();
    }
  });

  it('beats at once when its connection is back, not at the next interval', async () => {
    const server = await startNatsServer();
    const nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    const reader = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    const beats: AuthHeartbeat[] = [];
    reader.subscribe(AUTH_HEARTBEAT_SUBJECT, { callback: (err, msg) => void (err || beats.push(msg.json())) });
    const publisher = publisherOn(nc, { intervalMs: 60_000 });
    try {
      // The first beat goes at once (verifiers learn of the instance, the fence opens); the next
      // interval's is a minute away: any beat after the restart is the reconnect's.
      publisher.start();
      await waitFor(() => beats.length > 0, { timeoutMs: 5000, description: 'the first heartbeat, at start' });
      const before = beats.length;
      await server.restart();
      await waitFor(() => beats.length > before, {
        timeoutMs: 5000,
        description: 'a heartbeat after the reconnect',
      });
    } finally {
      await publisher.close();
      await Promise.all([nc.close(), reader.close()]);
      await server.stop();
    }
  });

  it('reports a heartbeat delivered only once the server confirmed it, never from a frozen server', async () => {
    const server = await startNatsServer();
    const nc = await connect({ servers: server.url, pingInterval: 60_000 });
    const delivered: number[] = [];
    const publisher = publisherOn(nc, { intervalMs: 100, onDelivered: (publishedAt) => delivered.push(publishedAt) });
    try {
      const before = Date.now();
      await publisher.beat();
      await waitFor(() => delivered.length === 1, { description: 'the server to confirm the heartbeat' });
      expect(delivered[0]).toBeGreaterThanOrEqual(before);
      await server.pause();
      await publisher.beat().catch(() => undefined);
      await publisher.beat().catch(() => undefined);
      // Frozen: no PONG, so nothing is reported delivered however many beats go out.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(delivered).toHaveLength(1);
      server.resume();
      await waitFor(() => delivered.length === 2, { description: 'the wait to end once the server answers' });
    } finally {
      await publisher.close();
      await nc.close();
      await server.stop();
    }
  });
});

/** A publisher on `nc` whose outbox (a memory store unless `kind` says) holds `count` events, the oldest made at `oldest`. */
function publisherOn(
  nc: NatsConnection,
  options: {
    kind?: 'memory' | 'mongo';
    count?: number;
    oldest?: Date;
    intervalMs: number;
    onDelivered?: (publishedAt: number) => void;
  },
): HeartbeatPublisher {
  const { kind = 'memory', count = 0, oldest, intervalMs, onDelivered } = options;
  return new HeartbeatPublisher({
    nc,
    store: { kind, backlog: () => Promise.resolve({ count, oldestCreatedAt: oldest }) },
    intervalMs,
    logger: silentLogger,
    now: Date.now,
    ...(onDelivered ? { onDelivered } : {}),
  });
}
