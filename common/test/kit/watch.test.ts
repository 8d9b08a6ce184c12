import { connect } from 'nats';
import {
  createAuthKit,
  createKeyRing,
  Subjects,
  type AppliedRevocation,
  type AuthKit,
  type KeySetUpdatedEvent,
  type WatchEnd,
} from '@authbus/common';
import { createEnvelope, publishEnvelope } from '@authbus/common/issuer';
import {
  signTestToken,
  startAuthBus,
  TEST_JWT_SECRET,
  testKeyRing,
  waitFor,
  type AuthBus,
} from '@authbus/common/testing';

const keyRing = testKeyRing();

/** Long-lived connections: `kit.watch` ends them as soon as their claims would be refused. */
describe('kit.watch and kit.onRevoked', () => {
  let bus: AuthBus;
  const kits: AuthKit[] = [];

  beforeAll(async () => {
    bus = await startAuthBus();
  });

  afterAll(async () => {
    for (const kit of kits) await kit.close();
    await bus.stop();
  });

  async function readyKit(options: { maxStalenessMs?: number; clockToleranceSeconds?: number } = {}): Promise<AuthKit> {
    const kit = createAuthKit({
      keyRing,
      nats: { servers: bus.url },
      token: { clockToleranceSeconds: options.clockToleranceSeconds ?? 5 },
      revocation: {
        syncIntervalMs: 100,
        ...(options.maxStalenessMs ? { maxStalenessMs: options.maxStalenessMs } : {}),
      },
    });
    kits.push(kit);
    await kit.whenReady();
    return kit;
  }

  /** A watch on fresh claims, and what it ended with (and when), if it did. */
  function watched(kit: AuthKit, user: Parameters<typeof signTestToken>[0] = {}) {
    const { token, claims } = signTestToken(user, keyRing);
    const verified = kit.authenticate(token);
    const ended: Array<{ reason: WatchEnd; at: number }> = [];
    const unwatch = kit.watch(verified, (reason) => ended.push({ reason, at: Date.now() }));
    return { claims, ended, unwatch };
  }

  it('ends with "revoked" on a sign-out of the session, once', async () => {
    const kit = await readyKit();
    const watch = watched(kit);
    const bystander = watched(kit);
    await bus.revokeSession(watch.claims);
    await waitFor(() => watch.ended.length > 0, { description: 'the watch to end' });
    expect(watch.ended.map((e) => e.reason)).toEqual(['revoked']);
    expect(bystander.ended).toEqual([]);
    // The same revocation again (the stream copy, or a retry) does not call back twice.
    await bus.revokeSession(watch.claims);
    await waitFor(() => kit.revocations.size.sessions >= 1);
    expect(watch.ended).toHaveLength(1);
    bystander.unwatch();
  });

  it('ends with "revoked" when the key that signed the token is withdrawn, and leaves tokens of other keys', async () => {
    const ring = createKeyRing({
      keys: [
        { kid: 'gone', secret: TEST_JWT_SECRET },
        { kid: 'other', secret: `${TEST_JWT_SECRET}-other` },
      ],
      activeKid: 'gone',
    });
    const kit = createAuthKit({ keyRing: ring, nats: { servers: bus.url }, revocation: { syncIntervalMs: 100 } });
    kits.push(kit);
    await kit.whenReady();
    const watch = (kid: string) => {
      const signer = createKeyRing({
        keys: ring.keys.map((k) => ({ kid: k.kid, secret: k.verifyKey.export() })),
        activeKid: kid,
      });
      const ended: WatchEnd[] = [];
      kit.watch(kit.authenticate(signTestToken({}, signer).token), (reason) => ended.push(reason));
      return ended;
    };
    const withdrawnOne = watch('gone');
    const otherOne = watch('other');
    const nc = await connect({ servers: bus.url });
    try {
      const set = createEnvelope<KeySetUpdatedEvent>(Subjects.KeySetUpdated, {
        issuedAt: Date.now(),
        keys: [],
        withdrawn: ['gone'],
      });
      await publishEnvelope(nc.jetstream(), set);
    } finally {
      await nc.close();
    }
    await waitFor(() => withdrawnOne.length > 0, { description: 'the watch of the withdrawn key to end' });
    expect(withdrawnOne).toEqual(['revoked']);
    expect(otherOne).toEqual([]);
  });

  it('ends on a sign-out everywhere or ban only the tokens below the new generation', async () => {
    const kit = await readyKit();
    const old = watched(kit, { sub: 'user-g', gen: 0 });
    const fresh = watched(kit, { sub: 'user-g', gen: 1 });
    await bus.revokeUser(old.claims, 1);
    await waitFor(() => old.ended.length > 0, { description: 'the old generation to end' });
    expect(old.ended.map((e) => e.reason)).toEqual(['revoked']);
    expect(fresh.ended).toEqual([]);
    fresh.unwatch();
  });

  it('ends with "expired" when the token expires (exp plus the tolerance)', async () => {
    const kit = await readyKit({ clockToleranceSeconds: 0 });
    const { token } = signTestToken({}, keyRing, { ttlSeconds: 1 });
    const claims = kit.authenticate(token);
    const ended: WatchEnd[] = [];
    kit.watch(claims, (reason) => ended.push(reason));
    await waitFor(() => ended.length > 0, { timeoutMs: 5000, description: 'the expiry' });
    expect(ended).toEqual(['expired']);
    expect(Date.now()).toBeGreaterThanOrEqual(claims.exp * 1000);
  });

  it('ends at once when the claims were revoked before the watch began; never after unwatch', async () => {
    const kit = await readyKit();
    const { token, claims } = signTestToken({}, keyRing);
    const verified = kit.authenticate(token);
    await bus.revokeSession(claims);
    await waitFor(() => kit.revocations.isRevoked(claims));
    const ended: WatchEnd[] = [];
    kit.watch(verified, (reason) => ended.push(reason));
    await waitFor(() => ended.length > 0, { description: 'the already revoked watch to end' });
    expect(ended).toEqual(['revoked']);

    const stopped = watched(kit);
    stopped.unwatch();
    await bus.revokeSession(stopped.claims);
    await waitFor(() => kit.revocations.isRevoked(stopped.claims));
    expect(stopped.ended).toEqual([]);
  });

  it('reports every applied revocation once to onRevoked, with what it matches', async () => {
    const kit = await readyKit();
    const seen: AppliedRevocation[] = [];
    const stop = kit.onRevoked((r) => seen.push(r));
    const { claims } = signTestToken({ sub: 'user-r', sid: 'session-r' }, keyRing);
    await bus.revokeSession(claims);
    await bus.revokeUser(claims, 3);
    await waitFor(() => seen.length >= 2, { description: 'both revocations' });
    expect(seen).toEqual([
      { kind: 'session', sid: 'session-r', until: claims.exp },
      { kind: 'user', sub: 'user-r', belowGeneration: 3, until: claims.exp },
    ]);
    await bus.revokeSession(claims);
    await waitFor(async () => {
      const text = await kit.metrics.metrics();
      return /authbus_revocation_events_total\{source="stream",result="applied"\} [3-9]/.test(text);
    });
    expect(seen).toHaveLength(2);
    stop();
    const metrics = await kit.metrics.metrics();
    expect(metrics).toMatch(/authbus_watches_open \d+/);
  });

  it('ends every watch with "stale" when the feed goes stale under policy closed', async () => {
    const kit = await readyKit({ maxStalenessMs: 1000 });
    const watches = [watched(kit), watched(kit)];
    await bus.server.shutdown();
    try {
      await waitFor(() => watches.every((w) => w.ended.length > 0), {
        timeoutMs: 10_000,
        description: 'the watches to end as stale',
      });
      expect(watches.map((w) => w.ended.map((e) => e.reason))).toEqual([['stale'], ['stale']]);
    } finally {
      await bus.server.restart();
    }
    // Last test of the file: the bus is back for whatever runs after it.
    await waitFor(() => bus.nc.jetstreamManager().then((jsm) => jsm.streams.info('AUTH')), {
      timeoutMs: 15_000,
      description: 'the bus back',
    });
  });
});
