import { createHmac } from 'node:crypto';
import { createKeyRing } from '@authbus/common';
import { encodeSessionCookieValue, signAccessToken } from '@authbus/common/issuer';
import { waitFor, sessionCookieFrom, tokenOfCookie } from '@authbus/common/testing';
import type { Stack } from '@authbus/local';
import {
  acceptedBy,
  call,
  REVOCATION_ANSWERS,
  revocationAnswer,
  startTestStack,
  writeArtifact,
} from '@authbus/test-support';
import { percentile } from '@authbus/bench/stats';

const PASSWORD = 'correct horse battery';

/**
 * Black box: the real auth and tickets processes (2 replicas) behind the gateway, driven over HTTP.
 */
describe('end to end: logout and ban reach every tickets replica', () => {
  let stack: Stack & { logs: string[] };
  let n = 0;

  beforeAll(async () => {
    stack = await startTestStack();
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  afterEach(() => {
    const state = expect.getState();
    if (state.assertionCalls !== state.numPassingAsserts) process.stdout.write(stack.logs.slice(-200).join('\n'));
  });

  const gateway = (path: string) => `${stack.gatewayUrl}${path}`;
  const replicas = () => stack.tickets.map((t) => t.url);

  async function signup(
    email = `user${++n}-${Date.now()}@example.com`,
  ): Promise<{ cookie: string; id: string; email: string }> {
    const res = await call(gateway('/api/users/signup'), { body: { email, password: PASSWORD } });
    expect(res.status).toBe(201);
    return { cookie: sessionCookieFrom(res), id: ((await res.json()) as { id: string }).id, email };
  }

  async function signin(email: string): Promise<Response> {
    return call(gateway('/api/users/signin'), { body: { email, password: PASSWORD } });
  }

  /** Wait until every replica refuses the cookie; returns ms from `since` to the last refusal. */
  async function refusedEverywhere(cookie: string, since: number, urls = replicas()): Promise<number> {
    const refusedAt = await Promise.all(
      urls.map((url) =>
        waitFor(async () => ((await acceptedBy(url, cookie)) ? undefined : Date.now()), {
          timeoutMs: 5000,
          intervalMs: 1,
          description: `${url} to refuse the cookie`,
        }),
      ),
    );
    return Math.max(0, ...refusedAt.map((t) => t - since));
  }

  it('signs up, creates a ticket, signs out: both replicas refuse the old cookie, fast', async () => {
    const { cookie } = await signup();
    const created = await call(gateway('/api/tickets'), { cookie, body: { title: 'Concert', price: 25 } });
    expect(created.status).toBe(201);
    for (const url of replicas()) expect(await acceptedBy(url, cookie)).toBe(true);

    const signout = await call(gateway('/api/users/signout'), { cookie, method: 'POST' });
    const answeredAt = Date.now();
    expect(signout.status).toBe(200);
    const ms = await refusedEverywhere(cookie, answeredAt);
    expect(ms).toBeLessThan(5000);
    const res = await call(`${replicas()[0]}/api/tickets`, { cookie, body: { title: 'x', price: 1 } });
    expect(((await res.json()) as { errors: Array<{ code: string }> }).errors[0]!.code).toBe('ERR_TOKEN_REVOKED');
  });

  it('measures logout propagation over repeated sign-outs and prints it', async () => {
    const samples: number[] = [];
    for (let i = 0; i < 20; i++) {
      const { cookie } = await signup();
      const signout = await call(gateway('/api/users/signout'), { cookie, method: 'POST' });
      const answeredAt = Date.now();
      expect(signout.status).toBe(200);
      samples.push(await refusedEverywhere(cookie, answeredAt));
    }
    const sorted = [...samples].sort((a, b) => a - b);
    const summary = {
      replicas: replicas().length,
      samples: sorted.length,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted.at(-1),
    };
    process.stdout.write(
      `\nlogout propagation (sign-out response → every tickets replica refuses): ${JSON.stringify(summary)}\n`,
    );
    writeArtifact('e2e-propagation.json', summary);
    expect(summary.maxMs).toBeLessThan(5000);
  });

  it('ban: every session of the user is refused on both replicas; sign-in answers 403; unban allows a new sign-in', async () => {
    const admin = await signup(`admin@example.com`);
    const victim = await signup();
    const second = sessionCookieFrom(await signin(victim.email));
    const ban = await call(gateway(`/api/users/${victim.id}/ban`), { cookie: admin.cookie, body: { reason: 'spam' } });
    expect(ban.status).toBe(200);
    const at = Date.now();
    await refusedEverywhere(victim.cookie, at);
    await refusedEverywhere(second, at);
    expect((await signin(victim.email)).status).toBe(403);
    for (const url of replicas()) expect(await acceptedBy(url, admin.cookie)).toBe(true);

    const unban = await call(gateway(`/api/users/${victim.id}/ban`), { cookie: admin.cookie, method: 'DELETE' });
    expect(unban.status).toBe(200);
    const again = await signin(victim.email);
    expect(again.status).toBe(200);
    const fresh = sessionCookieFrom(again);
    for (const url of replicas()) expect(await acceptedBy(url, fresh)).toBe(true);
    expect(await acceptedBy(replicas()[0]!, victim.cookie)).toBe(false);
  });

  it('sign-out everywhere: every session of the user is refused on both replicas', async () => {
    const user = await signup();
    const other = sessionCookieFrom(await signin(user.email));
    const bystander = await signup();
    const res = await call(gateway('/api/users/signout-all'), { cookie: user.cookie, method: 'POST' });
    expect(res.status).toBe(200);
    const at = Date.now();
    await refusedEverywhere(user.cookie, at);
    await refusedEverywhere(other, at);
    for (const url of replicas()) expect(await acceptedBy(url, bystander.cookie)).toBe(true);
  });

  it('a replica started after the sign-out refuses the old cookie as soon as it is ready', async () => {
    const { cookie } = await signup();
    await call(gateway('/api/users/signout'), { cookie, method: 'POST' });
    await refusedEverywhere(cookie, Date.now());
    const late = await stack.addTickets({ waitReady: true });
    expect(await acceptedBy(late.url, cookie)).toBe(false);
    const { cookie: live } = await signup();
    expect(await acceptedBy(late.url, live)).toBe(true);
  });

  it('after a nats-server restart, the next sign-out still propagates', async () => {
    const { cookie } = await signup();
    await stack.nats!.restart();
    const signout = await call(gateway('/api/users/signout'), { cookie, method: 'POST' });
    // 200 once auth has reconnected and the stream acknowledged it; before that 503 pending, recorded
    // and published by the outbox: refused everywhere either way.
    const answer = await revocationAnswer(signout);
    expect(REVOCATION_ANSWERS).toContain(answer);
    const ms = await refusedEverywhere(cookie, Date.now(), replicas());
    process.stdout.write(
      `\nsign-out right after a nats-server restart (${answer}) reached every replica in ${ms} ms\n`,
    );
  });

  describe('forged cookies get 401 on tickets', () => {
    const b64url = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const cookieFor = (jwt: string) => `session=${encodeSessionCookieValue(jwt)}`;
    const claims = () => ({
      sub: '0123456789abcdef01234567',
      email: 'x@example.com',
      roles: ['user', 'admin'],
      sid: 'forged',
      gen: 0,
      jti: 'j',
    });

    async function expect401(cookie: string, code: string | RegExp): Promise<void> {
      for (const url of replicas()) {
        const res = await call(`${url}/api/tickets`, { cookie, body: { title: 'x', price: 1 } });
        expect(res.status).toBe(401);
        expect(((await res.json()) as { errors: Array<{ code: string }> }).errors[0]!.code).toMatch(code);
      }
    }

    it('signed with another key', async () => {
      const other = createKeyRing({ keys: [{ kid: 'default', secret: 'z'.repeat(48) }], activeKid: 'default' });
      await expect401(cookieFor(signAccessToken(claims(), other).token), 'ERR_TOKEN_INVALID');
    });

    it('tampered (roles changed after signing)', async () => {
      const { cookie } = await signup();
      const jwt = tokenOfCookie(cookie);
      const [h, p, s] = jwt.split('.');
      const payload = { ...JSON.parse(Buffer.from(p!, 'base64url').toString()), roles: ['admin'] };
      await expect401(cookieFor(`${h}.${b64url(payload)}.${s}`), 'ERR_TOKEN_INVALID');
    });

    it('expired', async () => {
      const ring = createKeyRing({ keys: [{ kid: 'default', secret: stack.jwtKey }], activeKid: 'default' });
      const { token } = signAccessToken(claims(), ring, { now: () => Date.now() - 3600_000, ttlSeconds: 60 });
      await expect401(cookieFor(token), 'ERR_TOKEN_EXPIRED');
    });

    it('alg none', async () => {
      const now = Math.floor(Date.now() / 1000);
      const payload = { ...claims(), iat: now, exp: now + 600, iss: 'authbus', aud: 'authbus' };
      await expect401(cookieFor(`${b64url({ alg: 'none', kid: 'default' })}.${b64url(payload)}.`), 'ERR_KEY_UNKNOWN');
      const hs = `${b64url({ alg: 'HS256', kid: 'default' })}.${b64url(payload)}`;
      await expect401(
        cookieFor(`${hs}.${createHmac('sha256', 'guess').update(hs).digest('base64url')}`),
        'ERR_TOKEN_INVALID',
      );
    });

    it('garbage of every kind, never a 500', async () => {
      for (const cookie of [
        'session=',
        'session=!!!',
        'session=e30',
        `session=${'A'.repeat(6000)}`,
        'session=eyJqd3QiOjF9',
      ]) {
        for (const url of replicas()) {
          const res = await call(`${url}/api/tickets`, { cookie, body: { title: 'x', price: 1 } });
          expect(res.status).toBe(401);
        }
      }
    });
  });

  it('no service crashed during the suite', () => {
    for (const service of [stack.auth, ...stack.tickets]) {
      expect(service.running).toBe(true);
      expect(service.exits).toEqual([]);
    }
  });
});
