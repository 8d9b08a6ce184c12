import { claimsOfCookie, sessionCookieFrom, tokenOfCookie, waitFor } from '@authbus/common/testing';
import type { Stack } from '@authbus/local';
import { acceptedBy, call, startTestStack } from '@authbus/test-support';

const PASSWORD = 'correct horse battery';
const ADMIN = 'admin@example.com';

const kidOf = (cookie: string): string =>
  (JSON.parse(Buffer.from(tokenOfCookie(cookie).split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;

/**
 * Black box: the real auth and 2 tickets replicas (configured with the HS256 JWT_KEY only), keys
 * rotated and withdrawn through the admin API while authenticated requests keep coming.
 */
describe('end to end: keys rotate without a failed request, and a withdrawn key is refused everywhere', () => {
  let stack: Stack & { logs: string[] };
  let admin: string;
  let n = 0;

  beforeAll(async () => {
    stack = await startTestStack({ client: false, serviceEnv: { auth: { KEY_PUBLISH_AHEAD: '1s' } } });
    admin = await signup(ADMIN);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  afterEach(() => {
    const state = expect.getState();
    if (state.assertionCalls !== state.numPassingAsserts) process.stdout.write(stack.logs.slice(-200).join('\n'));
  });

  const gateway = (path: string) => `${stack.gatewayUrl}${path}`;

  async function signup(email = `keys${++n}-${Date.now()}@example.com`): Promise<string> {
    const res = await call(gateway('/api/users/signup'), { body: { email, password: PASSWORD } });
    if (res.status !== 201) throw new Error(`signup: ${res.status} ${await res.text()}`);
    return sessionCookieFrom(res);
  }

  async function rotate(): Promise<string> {
    const res = await call(gateway('/api/keys/rotate'), { cookie: admin, method: 'POST' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { kid: string; activatesAt: string };
    expect(Date.parse(body.activatesAt)).toBeGreaterThan(Date.now() - 1000);
    return body.kid;
  }

  /** New sign-ins (each used at once on every replica) and requests with older tokens, until stopped. */
  function load() {
    const cookies: string[] = [];
    const failures: string[] = [];
    let requests = 0;
    let stopped = false;
    const hit = async (url: string, cookie: string) => {
      requests++;
      const res = await call(`${url}/api/tickets`, { cookie, body: {} });
      // 400: authenticated, then refused by validation (nothing is created).
      if (res.status !== 400) failures.push(`${url} kid=${kidOf(cookie)}: ${res.status} ${await res.text()}`);
    };
    const signer = (async () => {
      while (!stopped) {
        const cookie = await signup();
        cookies.push(cookie);
        await Promise.all(stack.tickets.map((t) => hit(t.url, cookie)));
      }
    })();
    const readers = Array.from({ length: 3 }, async (_, w) => {
      let i = 0;
      while (!stopped) {
        const cookie = cookies[(i * 7 + w) % Math.max(1, cookies.length)];
        const replica = stack.tickets[i++ % stack.tickets.length]!;
        if (cookie) await hit(replica.url, cookie);
        else await new Promise((resolve) => setImmediate(resolve));
      }
    });
    return {
      cookies,
      get requests() {
        return requests;
      },
      async stop() {
        stopped = true;
        await Promise.all([signer, ...readers]);
        return failures;
      },
    };
  }

  const signedWith = (cookies: string[], kid: string) => cookies.filter((c) => kidOf(c) === kid);
  const rotated: string[] = [];
  let byKid: Record<string, string> = {};

  it('rotates twice under load: 0 failed requests, new sign-ins carry the new kid, old tokens still pass', async () => {
    const before = await signup();
    expect(kidOf(before)).toBe('default');
    const traffic = load();
    await waitFor(() => traffic.requests > 50, { timeoutMs: 20_000, description: 'the load to start' });
    for (let i = 0; i < 2; i++) {
      const kid = await rotate();
      rotated.push(kid);
      await waitFor(() => signedWith(traffic.cookies, kid).length >= 3, {
        timeoutMs: 20_000,
        description: `sign-ins to carry ${kid}`,
      });
    }
    const failures = await traffic.stop();
    process.stdout.write(
      `rotation under load: ${traffic.requests} requests to ${stack.tickets.length} replicas, ${failures.length} failed\n`,
    );
    expect({ failures, requests: traffic.requests > 100 }).toEqual({ failures: [], requests: true });
    byKid = {
      default: before,
      [rotated[0]!]: signedWith(traffic.cookies, rotated[0]!)[0]!,
      [rotated[1]!]: signedWith(traffic.cookies, rotated[1]!)[0]!,
    };
    for (const cookie of Object.values(byKid)) {
      for (const t of stack.tickets)
        expect({ url: t.url, kid: kidOf(cookie), accepted: await acceptedBy(t.url, cookie) }).toEqual({
          url: t.url,
          kid: kidOf(cookie),
          accepted: true,
        });
    }
    const keys = (
      (await (await call(gateway('/api/keys'), { cookie: admin })).json()) as {
        keys: Array<{ kid: string; state: string }>;
      }
    ).keys;
    expect(keys).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kid: 'default', state: 'retiring' }),
        expect.objectContaining({ kid: rotated[0], state: 'retiring' }),
        expect.objectContaining({ kid: rotated[1], state: 'active' }),
      ]),
    );
  }, 90_000);

  it('a replica started after the rotations verifies tokens of every published key', async () => {
    const late = await stack.addTickets();
    for (const cookie of Object.values(byKid))
      expect({ kid: kidOf(cookie), accepted: await acceptedBy(late.url, cookie) }).toEqual({
        kid: kidOf(cookie),
        accepted: true,
      });
  }, 60_000);

  it('withdraws the signing key: every replica refuses its tokens within a bounded wait, the other keys still pass', async () => {
    const withdrawn = rotated[1]!;
    const res = await call(gateway(`/api/keys/${withdrawn}`), { cookie: admin, method: 'DELETE' });
    const answeredAt = Date.now();
    expect(res.status).toBe(200);
    const { signingKid } = (await res.json()) as { signingKid: string };
    expect(signingKid).not.toBe(withdrawn);
    const refusedAt = await Promise.all(
      stack.tickets.map((t) =>
        waitFor(async () => ((await acceptedBy(t.url, byKid[withdrawn]!)) ? undefined : Date.now()), {
          timeoutMs: 5000,
          intervalMs: 1,
          description: `${t.url} to refuse the withdrawn key`,
        }),
      ),
    );
    const ms = Math.max(0, ...refusedAt.map((t) => t - answeredAt));
    process.stdout.write(`withdrawal: refused by ${stack.tickets.length} replicas ${ms} ms after the 200\n`);
    for (const t of stack.tickets) {
      const refused = await call(`${t.url}/api/tickets`, { cookie: byKid[withdrawn]!, body: {} });
      expect(((await refused.json()) as { errors: Array<{ code: string }> }).errors[0]!.code).toBe('ERR_KEY_UNKNOWN');
      expect(await acceptedBy(t.url, byKid[rotated[0]!]!)).toBe(true);
    }
    const next = await signup();
    expect(kidOf(next)).toBe(signingKid);
    expect(claimsOfCookie(next).sub).toBeDefined();
    for (const t of stack.tickets)
      await waitFor(() => acceptedBy(t.url, next), { timeoutMs: 5000, description: 'the new signing key to pass' });
  }, 60_000);
});
