import { connect, type NatsConnection } from 'nats';
import {
  AUTH_STREAM,
  RevocationFeed,
  RevocationSet,
  silentLogger,
  SNAPSHOT_BUCKET,
  Subjects,
  type SessionRevokedEvent,
} from '@authbus/common';
import { createEnvelope, ensureAuthStream, publishEnvelope, RevocationSnapshotWriter } from '@authbus/common/issuer';
import { startAuthBus, type AuthBus } from '@authbus/common/testing';
import { readSnapshotHeader } from '../../src/snapshot/decode-snapshot';
import { encodeRevocationSnapshot } from '../../src/snapshot/encode-snapshot';
import { getSnapshot, putSnapshot } from '../../src/snapshot/snapshot-bucket';

const UNTIL = Math.floor(Date.now() / 1000) + 3600;

function sessionRevoked(sid: string) {
  return createEnvelope<SessionRevokedEvent>(Subjects.SessionRevoked, {
    sid,
    sub: `user-of-${sid}`,
    reason: 'signout',
    revokedAt: new Date().toISOString(),
    until: UNTIL,
  });
}

const revoked = (set: RevocationSet, sid: string): boolean => set.isRevoked({ sid, sub: 'someone', gen: 0 });

describe('revocation snapshot in NATS', () => {
  let bus: AuthBus;
  const feeds: RevocationFeed[] = [];
  const connections: NatsConnection[] = [];

  async function publishRevocations(prefix: string, count: number): Promise<void> {
    const js = bus.nc.jetstream();
    await Promise.all(Array.from({ length: count }, (_, i) => publishEnvelope(js, sessionRevoked(`${prefix}-${i}`))));
  }

  async function startFeed(options: { snapshot?: false } = {}) {
    const nc = await connect({ servers: bus.server.url });
    connections.push(nc);
    const set = new RevocationSet();
    const feed = new RevocationFeed({ nc, set, live: false, syncIntervalMs: 100, ...options });
    feeds.push(feed);
    feed.start();
    await feed.whenCaughtUp();
    return { set, feed, nc };
  }

  /**
   * As the auth service does: its own feed builds the set, the writer stores it. The set also holds
   * `only-in-snapshot`, which no event carries: a verifier holding it loaded the snapshot.
   */
  async function writeSnapshot(): Promise<number> {
    const auth = await startFeed({ snapshot: false });
    auth.set.revokeSession('only-in-snapshot', UNTIL);
    const writer = new RevocationSnapshotWriter({
      nc: auth.nc,
      set: auth.set,
      position: () => auth.feed.position,
      logger: silentLogger,
    });
    const written = await writer.writeNow();
    await writer.close();
    if (!written) throw new Error('no snapshot written');
    return written.seq;
  }

  /** Store other bytes in place of the snapshot, as a damaged or foreign writer would. */
  async function replaceSnapshot(change: (bytes: Buffer) => Uint8Array): Promise<void> {
    const bytes = await getSnapshot({ nc: bus.nc, bucket: SNAPSHOT_BUCKET, timeout: 5000 });
    if (!bytes) throw new Error('no snapshot to replace');
    await putSnapshot(bus.nc.jetstream(), change(Buffer.from(bytes)), { bucket: SNAPSHOT_BUCKET, replicas: 1 });
  }

  beforeEach(async () => {
    bus = await startAuthBus({ maxAgeMs: 3600_000 });
  });

  afterEach(async () => {
    await Promise.all(feeds.splice(0).map((f) => f.close()));
    await Promise.all(connections.splice(0).map((c) => c.close()));
    await bus.stop();
  });

  it('is written from the auth side and read back whole, with the sequence it covers', async () => {
    await publishRevocations('old', 40);
    expect(await writeSnapshot()).toBe(40);
    const bytes = await getSnapshot({ nc: bus.nc, bucket: SNAPSHOT_BUCKET, timeout: 5000 });
    const header = readSnapshotHeader(bytes!);
    const info = await (await bus.nc.jetstreamManager()).streams.info(AUTH_STREAM);
    expect(header).toMatchObject({ stream: AUTH_STREAM, streamCreated: info.created, seq: 40, sessions: 41 });
  });

  it("keeps revocations that ended moments ago by auth's clock, for verifiers whose clock is behind", async () => {
    const auth = await startFeed({ snapshot: false });
    const nowSeconds = Math.floor(Date.now() / 1000);
    auth.set.revokeSession('ended-30-s-ago', nowSeconds - 30);
    auth.set.revokeSession('ended-2-h-ago', nowSeconds - 7200);
    const writer = new RevocationSnapshotWriter({
      nc: auth.nc,
      set: auth.set,
      position: () => auth.feed.position,
      logger: silentLogger,
    });
    await writer.writeNow();
    await writer.close();
    const bytes = await getSnapshot({ nc: bus.nc, bucket: SNAPSHOT_BUCKET, timeout: 5000 });
    expect(readSnapshotHeader(bytes!)).toMatchObject({ sessions: 1 });
  });

  it('is loaded by a new verifier, which then applies only the events after it', async () => {
    await publishRevocations('old', 30);
    await writeSnapshot();
    await publishRevocations('tail', 5);
    const { set, feed } = await startFeed();
    expect(feed.stats.snapshot).toMatchObject({ loaded: true, seq: 30, entries: 31 });
    expect(revoked(set, 'only-in-snapshot')).toBe(true);
    expect(revoked(set, 'tail-4')).toBe(true);
    expect(set.size.sessions).toBe(36);
    expect(feed.stats.appliedSeq).toBe(35);
    expect(feed.stats.applied.stream).toBe(5);
  });

  it('makes a verifier ready when the snapshot covers the whole stream', async () => {
    await publishRevocations('old', 10);
    await writeSnapshot();
    const { set, feed } = await startFeed();
    expect(feed.stats.snapshot).toMatchObject({ loaded: true, seq: 10 });
    expect(set.size.sessions).toBe(11);
    expect(feed.stats.applied.stream).toBe(0);
  });

  it.each([
    ['damaged (one byte changed)', /bad digest/, (b: Buffer) => ((b[b.length - 40] = b[b.length - 40]! ^ 1), b)],
    ['truncated', /truncated/, (b: Buffer) => b.subarray(0, b.length - 100)],
    ['of a future format version', /other version/, (b: Buffer) => (b.writeUInt16LE(2, 4), b)],
  ])('is skipped when %s: the whole stream is replayed, nothing lost', async (_what, reason, change) => {
    await publishRevocations('old', 20);
    await writeSnapshot();
    await replaceSnapshot(change);
    await publishRevocations('tail', 3);
    const { set, feed } = await startFeed();
    expect(feed.stats.snapshot).toMatchObject({ loaded: false, reason: expect.stringMatching(reason) });
    expect(revoked(set, 'only-in-snapshot')).toBe(false);
    expect(set.size.sessions).toBe(23);
    expect(feed.stats.applied.stream).toBe(23);
  });

  it('is skipped when written for another stream, or beyond the stream it claims', async () => {
    await publishRevocations('old', 8);
    const set = new RevocationSet();
    set.revokeSession('only-in-snapshot', UNTIL);
    const put = (position: { streamCreated: string; seq: number }) =>
      putSnapshot(bus.nc.jetstream(), encodeRevocationSnapshot(set, { stream: AUTH_STREAM, ...position }, 0), {
        bucket: SNAPSHOT_BUCKET,
        replicas: 1,
      });
    await put({ streamCreated: '2020-01-01T00:00:00Z', seq: 4 });
    const foreign = await startFeed();
    expect(foreign.feed.stats.snapshot).toMatchObject({
      loaded: false,
      reason: expect.stringMatching(/another stream/),
    });
    expect(foreign.set.size.sessions).toBe(8);

    const info = await (await bus.nc.jetstreamManager()).streams.info(AUTH_STREAM);
    await put({ streamCreated: info.created, seq: 9 });
    const ahead = await startFeed();
    expect(ahead.feed.stats.snapshot).toMatchObject({ loaded: false, reason: expect.stringMatching(/beyond/) });
    expect(revoked(ahead.set, 'only-in-snapshot')).toBe(false);
    expect(ahead.set.size.sessions).toBe(8);
  });

  it('is ignored after the stream was deleted and created again: the new stream is replayed from its start', async () => {
    await publishRevocations('old', 12);
    await writeSnapshot();
    const jsm = await bus.nc.jetstreamManager();
    await jsm.streams.delete(AUTH_STREAM);
    await ensureAuthStream(jsm, { maxAgeMs: 3600_000 });
    await publishRevocations('reborn', 3);
    const { set, feed } = await startFeed();
    expect(feed.stats.snapshot).toMatchObject({ loaded: false, reason: expect.stringMatching(/another stream/) });
    expect(revoked(set, 'only-in-snapshot')).toBe(false);
    expect(set.size.sessions).toBe(3);
  });

  it('is not needed: without one the feed replays the whole stream and says why', async () => {
    await publishRevocations('old', 6);
    const { set, feed } = await startFeed();
    expect(feed.stats.snapshot).toEqual({ loaded: false, reason: 'no snapshot' });
    expect(set.size.sessions).toBe(6);
  });
});
