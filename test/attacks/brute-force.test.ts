import { freePort, startNatsServer, type NatsServerHandle } from '@authbus/common/testing';
import { ServiceProcess } from '../../local/src/service-process';
import { recordReliability } from '../support/reliability-report';
import { call, inParallel, signupUser } from '../support/stack';

const PER_ACCOUNT = 5;
const PER_IP = 30;

/** A burst of sign-ins against the real auth process on 127.0.0.1: the limits hold. */
describe('attacks: sign-in brute force', () => {
  let nats: NatsServerHandle;
  let auth: ServiceProcess;

  beforeAll(async () => {
    nats = await startNatsServer();
    const port = await freePort();
    auth = new ServiceProcess({
      name: 'auth',
      entry: require.resolve('@authbus/auth'),
      url: `http://127.0.0.1:${port}`,
      env: {
        PORT: String(port),
        NATS_URL: nats.url,
        JWT_KEY: 'k'.repeat(48),
        NODE_ENV: 'test',
        LOG_LEVEL: 'error',
        PASSWORD_SCRYPT_COST: '1024',
        SIGNIN_LIMIT_PER_ACCOUNT: String(PER_ACCOUNT),
        SIGNIN_LIMIT_PER_IP: String(PER_IP),
        SIGNIN_LIMIT_WINDOW: '15m',
      },
      log: () => undefined,
    });
    await auth.start({ waitReady: true });
  }, 60_000);

  afterAll(async () => {
    await auth?.stop();
    await nats?.stop();
  });

  it('holds under a burst: per account, then per IP; the right password doesn’t get through once limited', async () => {
    const email = `target-${Date.now()}@example.com`;
    await signupUser(auth.url, email);
    const burst = await inParallel(Array.from({ length: 100 }, (_, i) => i), 25, async (i) => {
      const res = await call(`${auth.url}/api/users/signin`, { body: { email, password: `guess number ${i}` } });
      return { status: res.status, retryAfter: res.headers.get('retry-after') };
    });
    const wrong = burst.filter((r) => r.status === 400).length;
    const limited = burst.filter((r) => r.status === 429);
    expect(wrong).toBe(PER_ACCOUNT);
    expect(limited).toHaveLength(100 - PER_ACCOUNT);
    expect(limited.every((r) => Number(r.retryAfter) > 0)).toBe(true);
    const right = await call(`${auth.url}/api/users/signin`, { body: { email, password: 'correct horse battery' } });
    expect(right.status).toBe(429);

    // Spraying many accounts from one IP runs into the per-IP limit (the 101 attempts above count too).
    const spray = await inParallel(Array.from({ length: 40 }, (_, i) => i), 20, async (i) =>
      (await call(`${auth.url}/api/users/signin`, { body: { email: `spray${i}@example.com`, password: 'password1' } })).status,
    );
    expect(spray.every((s) => s === 429)).toBe(true);
    expect(auth.exits).toEqual([]);

    recordReliability({
      kind: 'attack',
      scenario: 'Sign-in brute force',
      done: `100 parallel wrong passwords for one account, then the right one, then 40 accounts sprayed from the same IP (limits ${PER_ACCOUNT}/account, ${PER_IP}/IP per 15 min)`,
      checked: 'exactly the per-account limit reached the password check; the rest 429 with Retry-After; the right password is refused while limited; the spray hits the per-IP limit',
      figures: `password checks: ${wrong} of 100; 429s: ${limited.length} + ${spray.length} (spray); Retry-After ${limited[0]?.retryAfter} s`,
    });
  });
});
