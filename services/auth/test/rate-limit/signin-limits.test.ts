import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { silentLogger } from '@authbus/common';
import { waitFor } from '@authbus/common/testing';
import { testMongoUri, mongoUriFor, testRedisUrl } from '@authbus/test-support';
import type { RateLimitStoreConfig } from '../../src/config';
import { createLimiterStore, type LimiterStore } from '../../src/rate-limit/limiter-store';
import { SigninLimits } from '../../src/rate-limit/signin-limits';
import { SignupLimits } from '../../src/rate-limit/signup-limits';

const LIMITS = { perIp: 8, perNetwork: 12, perAccount: 3, perAccountTotal: 9, windowMs: 60_000 };

/** Every store that can run here: memory always, Redis and MongoDB when the run has them. */
const stores: Array<
  [string, () => Promise<{ config: RateLimitStoreConfig; mongo?: Connection; cleanup: () => Promise<void> }>]
> = [['memory', async () => ({ config: { kind: 'memory' }, cleanup: async () => undefined })]];
if (testRedisUrl)
  stores.push([
    'redis',
    async () => ({ config: { kind: 'redis', url: testRedisUrl! }, cleanup: async () => undefined }),
  ]);
if (testMongoUri) {
  stores.push([
    'mongo',
    async () => {
      const mongo = await mongoose
        .createConnection(mongoUriFor(`limits_${randomBytes(4).toString('hex')}`))
        .asPromise();
      return {
        config: { kind: 'mongo' },
        mongo,
        cleanup: async () => void (await mongo.dropDatabase().finally(() => mongo.close())),
      };
    },
  ]);
}

describe.each(stores)('sign-in limits on the %s store', (name, open) => {
  let store: LimiterStore;
  let limits: SigninLimits;
  let cleanup: () => Promise<void>;
  const fallbacks: string[] = [];

  beforeAll(async () => {
    const opened = await open();
    cleanup = opened.cleanup;
    store = await createLimiterStore({
      config: opened.config,
      // A prefix of this run's own: the Redis may be shared and keeps keys for the whole window.
      keyPrefix: `test_${randomBytes(6).toString('hex')}`,
      ...(opened.mongo ? { mongo: opened.mongo } : {}),
      logger: silentLogger,
      onFallback: (limit) => fallbacks.push(limit),
    });
    limits = SigninLimits.create(store, LIMITS);
  });

  afterAll(async () => {
    await store?.close();
    await cleanup?.();
  });

  afterEach(() => {
    // The store answered every operation: nothing was counted by the in-memory insurance.
    expect(fallbacks).toEqual([]);
  });

  const attempts = (n: number, account: string, client: string) =>
    Promise.all(Array.from({ length: n }, () => limits.attempt(account, client)));

  it('decides per address first: attempts it refuses count against no account', async () => {
    const verdicts = await attempts(LIMITS.perIp + 5, 'ip-first@example.com', '192.0.2.1');
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(LIMITS.perAccount);
    expect(verdicts.filter((v) => !v.allowed && v.by === 'account-ip')).toHaveLength(LIMITS.perIp - LIMITS.perAccount);
    const byIp = verdicts.filter((v) => !v.allowed && v.by === 'ip');
    expect(byIp).toHaveLength(5);
    expect(byIp.every((v) => !v.allowed && v.retryAfterSeconds > 50 && v.retryAfterSeconds <= 60)).toBe(true);
    // The account-wide count holds only the 3 failures that passed: another address still gets its 3.
    const elsewhere = await attempts(LIMITS.perAccount, 'ip-first@example.com', '192.0.2.2');
    expect(elsewhere.every((v) => v.allowed)).toBe(true);
  });

  it('counts failures per account and address: one address locks only itself out of one account', async () => {
    // A parallel burst (within the per-address limit): exactly the limit gets through, atomically.
    const burst = await attempts(LIMITS.perIp - 2, 'pair@example.com', '198.51.100.1');
    expect(burst.filter((v) => v.allowed)).toHaveLength(LIMITS.perAccount);
    expect(burst.filter((v) => !v.allowed && v.by === 'account-ip')).toHaveLength(LIMITS.perIp - 2 - LIMITS.perAccount);
    // One log-worthy trip per window, however many refusals follow.
    expect(burst.filter((v) => !v.allowed && v.tripped)).toHaveLength(1);
    expect((await limits.attempt('pair@example.com', '198.51.100.2')).allowed).toBe(true);
    expect((await limits.attempt('other@example.com', '198.51.100.1')).allowed).toBe(true);
  });

  it('locks an account for everyone only after enough addresses reached their own limit', async () => {
    const account = 'botnet@example.com';
    const addresses = LIMITS.perAccountTotal / LIMITS.perAccount;
    for (let a = 0; a < addresses; a++) {
      const verdicts = await attempts(LIMITS.perAccount, account, `203.0.113.${a}`);
      expect(verdicts.every((v) => v.allowed)).toBe(true);
    }
    const fresh = await limits.attempt(account, '203.0.113.200');
    expect(fresh).toMatchObject({ allowed: false, by: 'account' });
    expect(!fresh.allowed && fresh.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('resets an address’s failures on an account when it signs in', async () => {
    const account = 'forgetful@example.com';
    const client = '2001:db8:5::/64';
    expect((await attempts(LIMITS.perAccount, account, client)).every((v) => v.allowed)).toBe(true);
    await limits.succeeded(account, client);
    expect((await attempts(LIMITS.perAccount, account, client)).every((v) => v.allowed)).toBe(true);
    expect(await limits.attempt(account, client)).toMatchObject({ allowed: false, by: 'account-ip' });
  });

  it('counts the addresses of one network together, after each address’s own limit', async () => {
    const network = '2001:db8:77::/48';
    const verdicts = await Promise.all(
      Array.from({ length: LIMITS.perNetwork + 4 }, (_, i) => limits.attemptFrom(`2001:db8:77:${i}::/64`, network)),
    );
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(LIMITS.perNetwork);
    expect(verdicts.filter((v) => !v.allowed && v.by === 'network')).toHaveLength(4);
    // An address over its own limit spends nothing of its network's.
    const other = '2001:db8:78::/48';
    const own = await Promise.all(
      Array.from({ length: LIMITS.perIp + 5 }, () => limits.attemptFrom('2001:db8:78:1::/64', other)),
    );
    expect(own.filter((v) => !v.allowed && v.by === 'ip')).toHaveLength(5);
    const rest = await Promise.all(
      Array.from({ length: LIMITS.perNetwork - LIMITS.perIp }, (_, i) =>
        limits.attemptFrom(`2001:db8:78:${i + 2}::/64`, other),
      ),
    );
    expect(rest.every((v) => v.allowed)).toBe(true);
    expect(await limits.attemptFrom('2001:db8:78:ff::/64', other)).toMatchObject({ allowed: false, by: 'network' });
  });

  it('limits sign-ups per address and per network', async () => {
    const signups = SignupLimits.create(store, { perIp: 4, perNetwork: 6, windowMs: 60_000 });
    const verdicts = await Promise.all(Array.from({ length: 7 }, () => signups.attempt('192.0.2.99')));
    expect(verdicts.filter((v) => v === undefined)).toHaveLength(4);
    expect(verdicts.filter((v) => v?.tripped)).toHaveLength(1);
    expect(verdicts.filter((v) => v?.by === 'ip')).toHaveLength(3);
    expect(await signups.attempt('192.0.2.100')).toBeUndefined();
    const site = await Promise.all(
      Array.from({ length: 8 }, (_, i) => signups.attempt(`2001:db8:99:${i}::/64`, '2001:db8:99::/48')),
    );
    expect(site.filter((v) => v === undefined)).toHaveLength(6);
    expect(site.filter((v) => v?.by === 'network')).toHaveLength(2);
  });

  it('ends a window by time, not by other keys arriving', async () => {
    // Memory runs on jest's clock; a shared store keeps its own (Redis TTLs, MongoDB expire dates).
    const clock =
      name === 'memory' ? jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }) : undefined;
    try {
      const short = SigninLimits.create(store, {
        perIp: 1,
        perNetwork: 1,
        perAccount: 1,
        perAccountTotal: 2,
        windowMs: 1000,
      });
      expect((await short.attempt('clock@example.com', '192.0.2.50')).allowed).toBe(true);
      expect(await short.attempt('clock@example.com', '192.0.2.50')).toMatchObject({
        allowed: false,
        by: 'ip',
        retryAfterSeconds: 1,
      });
      clock?.advanceTimersByTime(1001);
      await waitFor(async () => (await short.attempt('clock@example.com', '192.0.2.50')).allowed, {
        timeoutMs: 5000,
        intervalMs: 100,
        description: 'the 1 s window to end',
      });
    } finally {
      jest.useRealTimers();
    }
  });
});
