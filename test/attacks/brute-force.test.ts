import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startNatsServer, type NatsServerHandle } from '@authbus/common/testing';
import { createGateway, type ServiceProcess, authProcess } from '@authbus/local';
import {
  pipelinedPosts,
  LoopbackClient,
  everyRefusalSaysWhen,
  statusCounts,
  type JsonReply,
  recordReliability,
  call,
  inParallel,
  metric,
  signupUser,
} from '@authbus/test-support';
import { percentile } from '@authbus/bench/stats';

/** Failed sign-ins per account from one client address. */
const PER_ACCOUNT = 5;
/** Failed sign-ins per account from all addresses together (needs PER_ACCOUNT_TOTAL / PER_ACCOUNT addresses). */
const PER_ACCOUNT_TOTAL = 20;
/** Sign-in attempts per client address. */
const PER_IP = 30;
/** Sign-in attempts per IPv6 /48. */
const PER_NETWORK = 60;
/** The default sign-up limit per client address (SIGNUP_LIMIT_PER_IP is left unset). */
const SIGNUP_PER_IP = 30;
const PASSWORD = 'correct horse battery';

/**
 * Sign-in and sign-up abuse against the real auth process, directly on 127.0.0.1 and behind the
 * local gateway (the Ingress stand-in). Each scenario is its own set of clients, each connecting
 * from its own loopback address, so the auth service sees distinct peers without any header
 * being spoofed — except where spoofing is the attack.
 */
describe('attacks: sign-in brute force and abuse limits', () => {
  let nats: NatsServerHandle;
  let auth: ServiceProcess;
  let gateway: Server;
  let gatewayUrl: string;
  const clients: LoopbackClient[] = [];
  const from = (address: string): LoopbackClient => {
    const client = new LoopbackClient(address);
    clients.push(client);
    return client;
  };
  const signin = (
    client: LoopbackClient,
    base: string,
    email: string,
    password: string,
    headers?: Record<string, string>,
  ): Promise<JsonReply> => client.post(`${base}/api/users/signin`, { email, password }, headers);

  beforeAll(async () => {
    nats = await startNatsServer();
    auth = await authProcess({
      natsUrl: nats.url,
      env: {
        SIGNIN_LIMIT_PER_ACCOUNT: String(PER_ACCOUNT),
        SIGNIN_LIMIT_PER_ACCOUNT_TOTAL: String(PER_ACCOUNT_TOTAL),
        SIGNIN_LIMIT_PER_IP: String(PER_IP),
        SIGNIN_LIMIT_PER_NETWORK: String(PER_NETWORK),
        SIGNIN_LIMIT_WINDOW: '15m',
      },
      log: () => undefined,
    });
    await auth.start({ waitReady: true });
    gateway = createGateway([{ prefix: '/api/users', upstreams: () => [auth.url] }]);
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await new Promise<void>((resolve) => {
      if (!gateway) return resolve();
      gateway.close(() => resolve());
      gateway.closeAllConnections();
    });
    await auth?.stop();
    await nats?.stop();
  });

  it('holds under a burst: per account, then per IP; the right password doesn’t get through once limited', async () => {
    const email = `target-${Date.now()}@example.com`;
    await signupUser(auth.url, email);
    const limitedBefore = { ip: await limitedBy('ip'), pair: await limitedBy('account-ip') };
    const burst = await inParallel(
      Array.from({ length: 100 }, (_, i) => i),
      25,
      async (i) => {
        const res = await call(`${auth.url}/api/users/signin`, { body: { email, password: `guess number ${i}` } });
        return { status: res.status, retryAfter: res.headers.get('retry-after') };
      },
    );
    const wrong = burst.filter((r) => r.status === 400).length;
    const limited = burst.filter((r) => r.status === 429);
    expect(wrong).toBe(PER_ACCOUNT);
    expect(limited).toHaveLength(100 - PER_ACCOUNT);
    expect(limited.every((r) => Number(r.retryAfter) > 0)).toBe(true);
    // Decided per IP first: the first PER_IP attempts passed it, and of those only PER_ACCOUNT
    // reached the password check; the other 100 - PER_IP were refused by the IP limit alone.
    expect((await limitedBy('ip')) - limitedBefore.ip).toBe(100 - PER_IP);
    expect((await limitedBy('account-ip')) - limitedBefore.pair).toBe(PER_IP - PER_ACCOUNT);
    const right = await call(`${auth.url}/api/users/signin`, { body: { email, password: PASSWORD } });
    expect(right.status).toBe(429);

    // Spraying many accounts from one IP runs into the per-IP limit (the 101 attempts above count too).
    const spray = await inParallel(
      Array.from({ length: 40 }, (_, i) => i),
      20,
      async (i) =>
        (
          await call(`${auth.url}/api/users/signin`, {
            body: { email: `spray${i}@example.com`, password: 'password1' },
          })
        ).status,
    );
    expect(spray.every((s) => s === 429)).toBe(true);
    expect(auth.exits).toEqual([]);

    recordReliability({
      kind: 'attack',
      scenario: 'Sign-in brute force',
      done: `100 parallel wrong passwords for one account, then the right one, then 40 accounts sprayed from the same IP (limits ${PER_ACCOUNT}/account per address, ${PER_IP}/IP per 15 min)`,
      checked:
        'exactly the per-account limit reached the password check; the rest 429 with Retry-After, decided per IP first; the right password is refused while limited; the spray hits the per-IP limit',
      figures: `password checks: ${wrong} of 100; 429s: ${limited.length} + ${spray.length} (spray); Retry-After ${limited[0]?.retryAfter} s`,
    });
  });

  it('believes X-Forwarded-For only from the gateway: a spoofed header through it changes nothing', async () => {
    const attacker = from('127.0.0.21');
    const spoofed = (i: number): string => [`203.0.113.${i}`, `10.0.${i}.1`, `2001:db8::${i.toString(16)}`][i % 3]!;
    const replies = await inParallel(
      Array.from({ length: PER_IP + 10 }, (_, i) => i),
      10,
      (i) =>
        signin(attacker, gatewayUrl, `xff-${i}@example.com`, PASSWORD, {
          'x-forwarded-for': `${spoofed(i)}, ${spoofed(i + 1)}`,
        }),
    );
    const counts = statusCounts(replies);
    // Every attempt is counted against the attacker's real address, whatever it claimed.
    expect(counts).toEqual({ 400: PER_IP, 429: 10 });
    expect(everyRefusalSaysWhen(replies)).toBe(true);
    // Another client behind the same gateway is not affected.
    expect((await signin(from('127.0.0.22'), gatewayUrl, 'xff-other@example.com', PASSWORD)).status).toBe(400);

    recordReliability({
      kind: 'attack',
      scenario: 'Spoofed X-Forwarded-For',
      done: `${PER_IP + 10} sign-ins through the gateway from one client, each with a different forged X-Forwarded-For (public, private and IPv6 addresses)`,
      checked:
        'the gateway overwrites X-Forwarded-For with the peer address and auth trusts only loopback: every attempt counts against the real client, which gets 429 with Retry-After past the per-IP limit; another client is unaffected',
      figures: `answers: ${counts[400]} × 400, ${counts[429]} × 429 (limit ${PER_IP}/IP)`,
    });
  });

  it('one address cannot lock a victim out: the right password from another address gets in', async () => {
    const email = 'lockout-victim@example.com';
    await signupUser(auth.url, email);
    const attacker = from('127.0.0.31');
    const attack = await inParallel(
      Array.from({ length: 100 }, (_, i) => i),
      25,
      (i) => signin(attacker, gatewayUrl, email, `wrong guess ${i}`),
    );
    const attackCounts = statusCounts(attack);
    expect(attackCounts).toEqual({ 400: PER_ACCOUNT, 429: 100 - PER_ACCOUNT });
    expect(everyRefusalSaysWhen(attack)).toBe(true);
    // The attacker is locked out of this account even with the right password…
    expect((await signin(attacker, gatewayUrl, email, PASSWORD)).status).toBe(429);
    // …the victim, elsewhere, is not.
    const victim = await signin(from('127.0.0.32'), gatewayUrl, email, PASSWORD);
    expect(victim.status).toBe(200);

    // An account-wide lock needs PER_ACCOUNT_TOTAL / PER_ACCOUNT addresses, each at its own limit.
    const target = 'botnet-target@example.com';
    await signupUser(auth.url, target);
    const botnet = Array.from({ length: PER_ACCOUNT_TOTAL / PER_ACCOUNT }, (_, i) => from(`127.0.0.${33 + i}`));
    const botnetReplies = (
      await Promise.all(
        botnet.map((bot) =>
          inParallel(
            Array.from({ length: PER_ACCOUNT + 2 }, (_, i) => i),
            1,
            (i) => signin(bot, gatewayUrl, target, `bot guess ${i}`),
          ),
        ),
      )
    ).flat();
    expect(statusCounts(botnetReplies)).toEqual({ 400: PER_ACCOUNT_TOTAL, 429: 2 * botnet.length });
    const lockedForAll = await signin(from('127.0.0.39'), gatewayUrl, target, PASSWORD);
    expect(lockedForAll.status).toBe(429);
    expect(Number(lockedForAll.headers['retry-after'])).toBeGreaterThan(0);

    recordReliability({
      kind: 'attack',
      scenario: 'Victim lockout from one address',
      done: `100 parallel wrong passwords for a victim's account from one address through the gateway; then the victim signs in from another address; then ${botnet.length} addresses each fail ${PER_ACCOUNT + 2} times on another account`,
      checked: `the attacker reaches the password check ${PER_ACCOUNT} times and is then refused (429, Retry-After), even with the right password; the victim's right password from elsewhere is accepted; an account-wide lock takes ${PER_ACCOUNT_TOTAL / PER_ACCOUNT} addresses at their own limit`,
      figures: `attacker: ${attackCounts[400]} × 400, ${attackCounts[429]} × 429; victim: ${victim.status}; account-wide lock after ${PER_ACCOUNT_TOTAL} failures from ${botnet.length} addresses (then 429 for everyone)`,
    });
  });

  it('keys IPv6 clients by their /64: rotating addresses inside one prefix hits the per-IP limit', async () => {
    // The test stands where the ingress stands: a trusted proxy on loopback that names the client.
    const proxy = from('127.0.0.41');
    const inPrefix = (i: number): string =>
      `2001:db8:41:7:${(0x1000 + i).toString(16)}:${((i * 7919) % 0xffff).toString(16)}:beef:${i.toString(16)}`;
    const replies = await inParallel(
      Array.from({ length: PER_IP + 10 }, (_, i) => i),
      10,
      (i) => signin(proxy, auth.url, `v6-${i}@example.com`, PASSWORD, { 'x-forwarded-for': inPrefix(i) }),
    );
    const counts = statusCounts(replies);
    expect(counts).toEqual({ 400: PER_IP, 429: 10 });
    expect(everyRefusalSaysWhen(replies)).toBe(true);
    // The next /64 is another client.
    expect(
      (await signin(proxy, auth.url, 'v6-next@example.com', PASSWORD, { 'x-forwarded-for': '2001:db8:41:8::1' }))
        .status,
    ).toBe(400);

    recordReliability({
      kind: 'attack',
      scenario: 'IPv6 /64 rotation',
      done: `${PER_IP + 10} sign-ins, each from a different address of one IPv6 /64 (as named by the trusted proxy's X-Forwarded-For)`,
      checked:
        'the client key is the /64, so the rotation hits the per-IP limit (429 with Retry-After); an address in the next /64 is not limited',
      figures: `answers: ${counts[400]} × 400, ${counts[429]} × 429 (limit ${PER_IP}/IP)`,
    });
  });

  it('counts IPv6 /64s of one /48 together: rotating prefixes inside one site hits the per-network limit', async () => {
    const proxy = from('127.0.0.42');
    // Each attempt from its own /64 of 2001:db8:48::/48, so the per-address limit never trips.
    const inSite = (i: number): string => `2001:db8:48:${(0x100 + i).toString(16)}::${(i + 1).toString(16)}`;
    const replies = await inParallel(
      Array.from({ length: PER_NETWORK + 10 }, (_, i) => i),
      10,
      (i) => signin(proxy, auth.url, `site-${i}@example.com`, PASSWORD, { 'x-forwarded-for': inSite(i) }),
    );
    const counts = statusCounts(replies);
    expect(counts).toEqual({ 400: PER_NETWORK, 429: 10 });
    expect(everyRefusalSaysWhen(replies)).toBe(true);
    expect(await metric(auth.url, 'authbus_signin_rate_limited_total{by="network"}')).toBe(10);
    // The next /48 is another site.
    expect(
      (await signin(proxy, auth.url, 'site-next@example.com', PASSWORD, { 'x-forwarded-for': '2001:db8:49::1' }))
        .status,
    ).toBe(400);

    recordReliability({
      kind: 'attack',
      scenario: 'IPv6 /48 rotation',
      done: `${PER_NETWORK + 10} sign-ins, each from a different /64 of one IPv6 /48 (as named by the trusted proxy's X-Forwarded-For)`,
      checked:
        'each /64 stays under the per-IP limit, but the /48 is counted too, so the rotation hits the per-network limit (429 with Retry-After); the next /48 is not limited',
      figures: `answers: ${counts[400]} × 400, ${counts[429]} × 429 (limit ${PER_NETWORK}/48, ${PER_IP}/IP)`,
    });
  });

  it('limits sign-ups per client address, before the password is hashed', async () => {
    const signupsBefore = (await metric(auth.url, 'authbus_signups_total')) ?? 0;
    const flooder = from('127.0.0.51');
    const replies = await inParallel(
      Array.from({ length: SIGNUP_PER_IP + 10 }, (_, i) => i),
      10,
      (i) => flooder.post(`${gatewayUrl}/api/users/signup`, { email: `flood-${i}@example.com`, password: PASSWORD }),
    );
    const counts = statusCounts(replies);
    expect(counts).toEqual({ 201: SIGNUP_PER_IP, 429: 10 });
    expect(everyRefusalSaysWhen(replies)).toBe(true);
    expect(((await metric(auth.url, 'authbus_signups_total')) ?? 0) - signupsBefore).toBe(SIGNUP_PER_IP);
    expect(await metric(auth.url, 'authbus_signup_rate_limited_total{by="ip"}')).toBe(10);
    // Someone else can still sign up. One at a time, for the figures: a refused sign-up costs no hash.
    const accepted: JsonReply[] = [];
    const refused: JsonReply[] = [];
    for (let i = 0; i < 5; i++) {
      accepted.push(
        await from(`127.0.0.${52 + i}`).post(`${gatewayUrl}/api/users/signup`, {
          email: `flood-other-${i}@example.com`,
          password: PASSWORD,
        }),
      );
      refused.push(
        await flooder.post(`${gatewayUrl}/api/users/signup`, {
          email: `flood-more-${i}@example.com`,
          password: PASSWORD,
        }),
      );
    }
    expect(accepted.every((r) => r.status === 201)).toBe(true);
    expect(refused.every((r) => r.status === 429)).toBe(true);
    const median = (of: readonly JsonReply[]): number =>
      percentile(
        of.map((r) => r.ms).sort((a, b) => a - b),
        50,
      );

    recordReliability({
      kind: 'attack',
      scenario: 'Sign-up flood',
      done: `${SIGNUP_PER_IP + 10} parallel sign-ups from one address through the gateway (default limit, SIGNUP_LIMIT_PER_IP unset)`,
      checked: `${SIGNUP_PER_IP} accounts created, the rest 429 with Retry-After, refused before the body is read (no hash); other addresses still sign up`,
      figures: `answers: ${counts[201]} × 201, ${counts[429]} × 429; users created: ${SIGNUP_PER_IP}; one at a time, median ${median(accepted).toFixed(1)} ms for a sign-up (scrypt N=1024) vs ${median(refused).toFixed(1)} ms for a refused one`,
    });
  });

  it('keeps a limited account limited while 100k other emails are sprayed', async () => {
    const email = 'spray-victim@example.com';
    await signupUser(auth.url, email);
    // Lock the account for everyone: PER_ACCOUNT_TOTAL failures from enough addresses.
    const lockers = Array.from({ length: PER_ACCOUNT_TOTAL / PER_ACCOUNT }, (_, i) => from(`127.0.0.${61 + i}`));
    for (const locker of lockers)
      for (let i = 0; i < PER_ACCOUNT; i++) await signin(locker, auth.url, email, `locker guess ${i}`);
    expect((await signin(from('127.0.0.65'), auth.url, email, 'a fresh guess')).status).toBe(429);

    const sprayed = 100_000;
    const started = performance.now();
    const sprayCounts = await pipelinedPosts(
      `${auth.url}/api/users/signin`,
      sprayed,
      (i) => ({ email: `sprayed-${i}@example.com`, password: 'password1' }),
      {
        localAddress: '127.0.0.66',
      },
    );
    const sprayMs = performance.now() - started;
    expect(Object.values(sprayCounts).reduce((a, b) => a + b, 0)).toBe(sprayed);
    expect(sprayCounts[500]).toBeUndefined();

    const after = await signin(from('127.0.0.67'), auth.url, email, 'another fresh guess');
    expect(after.status).toBe(429);
    expect(Number(after.headers['retry-after'])).toBeGreaterThan(0);
    expect((await signin(lockers[0]!, auth.url, email, 'locker retry')).status).toBe(429);
    expect(auth.exits).toEqual([]);

    recordReliability({
      kind: 'attack',
      scenario: 'Email spraying',
      done: `an account locked by ${PER_ACCOUNT_TOTAL} failures from ${lockers.length} addresses; then ${sprayed.toLocaleString('en')} sign-ins for distinct emails from one address`,
      checked:
        'the locked account stays locked (429 with Retry-After) for a fresh address and for the lockers: nothing evicts a window; the spray is refused by the per-IP limit before it counts against any account',
      figures: `spray answers: ${Object.entries(sprayCounts)
        .map(([s, n]) => `${n} × ${s}`)
        .join(
          ', ',
        )} in ${(sprayMs / 1000).toFixed(1)} s; the locked account after the spray: ${after.status}, Retry-After ${String(after.headers['retry-after'])} s`,
    });
  }, 180_000);

  /** `authbus_signin_rate_limited_total{by}` of the auth process. */
  async function limitedBy(by: string): Promise<number> {
    return (await metric(auth.url, `authbus_signin_rate_limited_total{by="${by}"}`)) ?? 0;
  }
});
