import type { NatsConnection } from 'nats';
import {
  AUTH_STREAM,
  createAuthKit,
  ensureRevocationMirror,
  RevocationFeed,
  RevocationSet,
  Subjects,
  type AuthKit,
  type Logger,
  type SessionRevokedEvent,
} from '@authbus/common';
import { createEnvelope, ensureAuthStream, publishEnvelope } from '@authbus/common/issuer';
import { testKeyRing, waitFor } from '@authbus/common/testing';
import { MIRROR, startMirrorAccounts, type MirrorAccounts } from '../support/mirror-accounts';

const revoked = (sid: string) =>
  createEnvelope<SessionRevokedEvent>(Subjects.SessionRevoked, {
    sid,
    sub: `user-of-${sid}`,
    reason: 'signout',
    revokedAt: new Date().toISOString(),
    until: Math.floor(Date.now() / 1000) + 3600,
  });

/**
 * A reader's feed on its mirror of the auth account's stream (one NATS account per service): it
 * replays and follows through the mirror, and a mirror cut off from its origin makes it stale.
 */
describe('RevocationFeed on a mirror in the reader account', () => {
  let accounts: MirrorAccounts;
  let origin: NatsConnection;
  let reader: NatsConnection;
  const feeds: RevocationFeed[] = [];
  const kits: AuthKit[] = [];

  beforeEach(async () => {
    accounts = await startMirrorAccounts();
    origin = await accounts.connect('origin');
    reader = await accounts.connect('reader');
  });

  afterEach(async () => {
    await Promise.all(feeds.splice(0).map((f) => f.close()));
    await Promise.all(kits.splice(0).map((k) => k.close()));
    await accounts.stop();
  });

  const publish = async (sid: string) => publishEnvelope(origin.jetstream(), revoked(sid));
  const isRevoked = (set: RevocationSet, sid: string) => set.isRevoked({ sid, sub: 'x', gen: 0 });

  it('replays the origin through the mirror, follows it live and by stream, and keeps its sequence numbers', async () => {
    await ensureAuthStream(await origin.jetstreamManager(), { maxAgeMs: 3600_000 });
    for (let i = 0; i < 50; i++) await publish(`old-${i}`);
    await ensureRevocationMirror(reader, MIRROR);
    const set = new RevocationSet();
    const feed = new RevocationFeed({ nc: reader, set, syncIntervalMs: 100 });
    feeds.push(feed);
    feed.start();
    await feed.whenCaughtUp();
    expect(set.size.sessions).toBe(50);
    expect(feed.stats.appliedSeq).toBe(50);
    await publish('new');
    await waitFor(() => isRevoked(set, 'new') && feed.stats.appliedSeq === 51, {
      description: 'the new event, live and from the mirror',
    });
    expect(feed.stats.applied.live).toBeGreaterThanOrEqual(1);
  });

  it('stops counting itself in sync when the mirror loses its origin, though the mirror still answers', async () => {
    await ensureAuthStream(await origin.jetstreamManager(), { maxAgeMs: 3600_000 });
    await publish('a');
    await ensureRevocationMirror(reader, MIRROR);
    const set = new RevocationSet();
    const feed = new RevocationFeed({ nc: reader, set, syncIntervalMs: 100 });
    feeds.push(feed);
    feed.start();
    await feed.whenCaughtUp();
    // In sync, again and again: each heartbeat moves lastSyncAt on (the mirror hears from its
    // origin every second at least).
    const first = feed.lastSyncAt;
    await waitFor(() => feed.lastSyncAt > first + 1000, { description: 'lastSyncAt to move on' });

    // The origin goes away (here: deleted by its account; in a cluster: a partition). The
    // mirror, in the reader's account, keeps answering stream info.
    await (await origin.jetstreamManager()).streams.delete(AUTH_STREAM);
    const cut = Date.now();
    const jsm = await reader.jetstreamManager();
    await waitFor(() => Date.now() - feed.lastSyncAt > 2500, {
      timeoutMs: 10_000,
      description: 'the feed to fall behind the clock',
    });
    const mirror = await jsm.streams.info(AUTH_STREAM);
    expect(mirror.mirror?.active).toBeGreaterThan(2_000_000_000);
    // Its last sync is about when the mirror last heard from the origin, not later.
    expect(feed.lastSyncAt).toBeLessThanOrEqual(cut + 1000);
  });

  /** The origin's AUTH with one event, and a ready kit reading it through the reader's mirror. */
  async function originAndKit(): Promise<AuthKit> {
    await ensureAuthStream(await origin.jetstreamManager(), { maxAgeMs: 3600_000 });
    await publish('old-1');
    const kit = createAuthKit({
      keyRing: testKeyRing(),
      nats: reader,
      revocation: { mirror: MIRROR, syncIntervalMs: 100, maxStalenessMs: 5000 },
    });
    kits.push(kit);
    await kit.whenReady();
    return kit;
  }

  it("through the kit: gets each event once, live from the origin's republish, with no consumer on its mirror", async () => {
    const kit = await originAndKit();
    const metric = async (name: string, labels = '') => {
      const text = await kit.metrics.metrics();
      const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
      return line === undefined ? undefined : Number(line.split(' ')[1]);
    };
    expect(await metric('authbus_revocation_live_sequenced')).toBe(1);
    const jsm = await reader.jetstreamManager();
    await waitFor(
      async () =>
        (await metric('authbus_revocation_feed_reading_stream')) === 0 &&
        (await jsm.consumers.list(AUTH_STREAM).next()).length === 0,
      { description: 'the replay consumer on the mirror deleted' },
    );
    for (let i = 0; i < 5; i++) await publish(`new-${i}`);
    await waitFor(() => isRevoked(kit.revocations, 'new-4'), { description: 'the new events' });
    expect(await metric('authbus_revocation_events_total', '{source="live",result="applied"}')).toBe(5);
    expect(await metric('authbus_revocation_events_total', '{source="stream",result="applied"}')).toBe(1);
    expect(await metric('authbus_revocation_gap_fills')).toBe(0);
    expect((await jsm.consumers.list(AUTH_STREAM).next()).length).toBe(0);
  });

  it('through the kit: replaces the mirror when AUTH is deleted and created again, and follows the new origin', async () => {
    const kit = await originAndKit();
    const jsm = await reader.jetstreamManager();
    const mirrorBefore = (await jsm.streams.info(AUTH_STREAM)).created;

    // The auth service recreates a lost stream and publishes again what still matters (here: by hand).
    const originJsm = await origin.jetstreamManager();
    await originJsm.streams.delete(AUTH_STREAM);
    await ensureAuthStream(originJsm, { maxAgeMs: 3600_000 });
    await publish('old-1');
    await publish('new-1');
    await publish('new-2');
    await waitFor(async () => (await jsm.streams.info(AUTH_STREAM)).created !== mirrorBefore, {
      timeoutMs: 10_000,
      description: 'the kit to replace its mirror',
    });
    await waitFor(async () => (await jsm.streams.info(AUTH_STREAM)).state.last_seq === 3, {
      timeoutMs: 10_000,
      description: 'the new mirror to copy the new origin',
    });
    await waitFor(() => isRevoked(kit.revocations, 'new-2') && !kit.readiness().stale, {
      description: 'the kit to follow the new origin',
    });
    // A replica that starts now replays the new mirror, the republished revocation included.
    const late = createAuthKit({
      keyRing: testKeyRing(),
      nats: reader,
      revocation: { mirror: MIRROR, syncIntervalMs: 100 },
    });
    kits.push(late);
    await late.whenReady();
    for (const sid of ['old-1', 'new-1', 'new-2']) expect(isRevoked(late.revocations, sid)).toBe(true);
  });

  it('through the kit: creates its mirror again when it is deleted under a running feed', async () => {
    await ensureAuthStream(await origin.jetstreamManager(), { maxAgeMs: 3600_000 });
    await publish('before');
    const kit = createAuthKit({
      keyRing: testKeyRing(),
      nats: reader,
      // Stream only: what reaches the set came through the (new) mirror.
      revocation: { mirror: MIRROR, syncIntervalMs: 100, maxStalenessMs: 5000, live: false },
    });
    kits.push(kit);
    await kit.whenReady();
    const jsm = await reader.jetstreamManager();
    await jsm.streams.delete(AUTH_STREAM);
    await publish('after');
    await waitFor(async () => (await jsm.streams.info(AUTH_STREAM)).state.last_seq === 2, {
      timeoutMs: 15_000,
      description: 'the kit to create its mirror again',
    });
    await waitFor(() => isRevoked(kit.revocations, 'after') && !kit.readiness().stale, {
      timeoutMs: 15_000,
      description: 'the kit to follow the new mirror',
    });
  });

  it('through the kit: makes the mirror, is not ready before the origin exists, then replays; stale when the origin is gone', async () => {
    const logged: string[] = [];
    const log = (_fields: object, message?: string) => void logged.push(message ?? '');
    const logger: Logger = { debug: log, info: log, warn: log, error: log, child: () => logger };
    const kit = createAuthKit({
      keyRing: testKeyRing(),
      nats: reader,
      logger,
      revocation: { mirror: MIRROR, syncIntervalMs: 100, maxStalenessMs: 1500 },
    });
    kits.push(kit);
    // No AUTH in the auth account yet: no mirror, not ready.
    await waitFor(() => logged.includes('revocation mirror not available yet; waiting'), {
      description: 'the kit to try',
    });
    await expect((await reader.jetstreamManager()).streams.info(AUTH_STREAM)).rejects.toThrow(/stream not found/);
    expect(kit.readiness()).toMatchObject({ ready: false, caughtUp: false });

    await ensureAuthStream(await origin.jetstreamManager(), { maxAgeMs: 3600_000 });
    for (let i = 0; i < 20; i++) await publish(`r-${i}`);
    await kit.whenReady();
    expect(kit.revocations.size.sessions).toBe(20);
    expect((await (await reader.jetstreamManager()).streams.info(AUTH_STREAM)).config.mirror?.name).toBe(AUTH_STREAM);
    expect(kit.readiness()).toMatchObject({ ready: true, stale: false });

    await (await origin.jetstreamManager()).streams.delete(AUTH_STREAM);
    await waitFor(() => kit.readiness().stale, { timeoutMs: 10_000, description: 'the kit to go stale' });
    expect(kit.readiness()).toMatchObject({ ready: false, nats: true, caughtUp: true, stale: true });
  });
});
