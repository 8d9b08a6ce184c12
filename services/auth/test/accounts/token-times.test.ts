import request from 'supertest';
import { startTestAuth, type TestAuth } from '../support/test-auth';
import { claimsOfCookie } from '@authbus/common/testing';

const TTL_SECONDS = 60;
const TOLERANCE_SECONDS = 5;

/**
 * However many cut-offs (sign-out everywhere, ban) a user triggers in one second, no token is ever
 * issued with `iat` beyond the clock plus tolerance, nor `exp` beyond the clock plus lifetime plus
 * tolerance: otherwise the user could push a token past the retention of its revocation.
 */
describe('token times under repeated cut-offs', () => {
  let auth: TestAuth;

  beforeAll(async () => {
    auth = await startTestAuth({
      env: {
        ACCESS_TOKEN_TTL: `${TTL_SECONDS}s`,
        JWT_CLOCK_TOLERANCE: `${TOLERANCE_SECONDS}s`,
        SIGNIN_LIMIT_PER_IP: '100000',
      },
    });
  });

  afterAll(async () => {
    await auth.stop();
  });

  it('60 sign-in + sign-out-everywhere cycles within one second do not move iat or exp ahead of the clock', async () => {
    const email = 'ratchet@example.com';
    let { cookie } = await auth.signup(email);
    for (let cycle = 0; cycle < 60; cycle++) {
      await request(auth.service.app).post('/api/users/signout-all').set('Cookie', cookie).expect(200);
      const next = await auth.signin(email);
      expect(next.status).toBe(200);
      cookie = next.cookie;
    }
    const now = Math.floor(auth.clock.now() / 1000);
    const { iat, exp } = claimsOfCookie(cookie);
    expect(iat).toBeLessThanOrEqual(now + TOLERANCE_SECONDS);
    expect(exp).toBeLessThanOrEqual(now + TTL_SECONDS + TOLERANCE_SECONDS);
    // And the newest token still works: the cut-offs only refused the earlier ones.
    const me = await request(auth.service.app).get('/api/users/currentuser').set('Cookie', cookie).expect(200);
    expect(me.body.currentUser).toMatchObject({ email });
  });

  it('a cut-off covers every token it refuses, and the stream keeps it as long as one of them is accepted', async () => {
    const email = 'horizon@example.com';
    let { cookie } = await auth.signup(email);
    for (let cycle = 0; cycle < 10; cycle++) {
      await request(auth.service.app).post('/api/users/signout-all').set('Cookie', cookie).expect(200);
      cookie = (await auth.signin(email)).cookie;
    }
    await request(auth.service.app).post('/api/users/signout-all').set('Cookie', cookie).expect(200);
    const { exp } = claimsOfCookie(cookie);
    const last = (await auth.events()).filter((e) => e.subject === 'auth.user.sessions-revoked').at(-1)!;
    const until = (last.data as { until: number }).until;
    const occurredAt = Date.parse(last.occurredAt) / 1000;
    const maxAgeSeconds = auth.service.ctx.config.streamMaxAgeMs / 1000;
    expect(exp).toBeLessThanOrEqual(until);
    // The longest a revocation can matter is one token lifetime plus the tolerance, whatever happened before.
    expect(until - occurredAt).toBeLessThanOrEqual(TTL_SECONDS + TOLERANCE_SECONDS);
    // A token is accepted until exp + tolerance; a late replica learns of the cut-off while it is retained.
    expect(until + TOLERANCE_SECONDS).toBeLessThanOrEqual(occurredAt + maxAgeSeconds);
  });
});
