import request from 'supertest';
import { Subjects } from '@authbus/common';
import { waitFor, claimsOfCookie } from '@authbus/common/testing';
import { startTestAuth, type TestAuth } from '../support/test-auth';

const sidOf = (cookie: string): string => claimsOfCookie(cookie).sid;

describe('sign-out, sign-out everywhere, current user', () => {
  let auth: TestAuth;

  beforeAll(async () => {
    auth = await startTestAuth();
  });

  afterAll(async () => {
    await auth.stop();
  });

  const currentUser = async (cookie: string) =>
    (await request(auth.service.app).get('/api/users/currentuser').set('Cookie', cookie).expect(200)).body.currentUser;

  it('shows the current user from the cookie, and null without one', async () => {
    const { cookie, id } = await auth.signup('me@example.com');
    expect(await currentUser(cookie)).toMatchObject({
      sub: id,
      email: 'me@example.com',
      roles: ['user'],
      sid: sidOf(cookie),
    });
    expect((await request(auth.service.app).get('/api/users/currentuser').expect(200)).body).toEqual({
      currentUser: null,
    });
  });

  it('signs out: 200 {}, clears the cookie, publishes auth.session.revoked, and the old cookie shows null', async () => {
    const { cookie, id } = await auth.signup('out@example.com');
    const res = await request(auth.service.app).post('/api/users/signout').set('Cookie', cookie).expect(200);
    expect(res.body).toEqual({});
    expect((res.headers['set-cookie'] as unknown as string[])[0]).toMatch(/^session=;.*expires=Thu, 01 Jan 1970/);
    const event = await auth.waitForEvent(
      (e) => e.subject === Subjects.SessionRevoked && e.data.sid === sidOf(cookie),
      'auth.session.revoked',
    );
    expect(event.data).toMatchObject({ sid: sidOf(cookie), sub: id, reason: 'signout' });
    const data = event.data as { until: number; revokedAt: string };
    expect(data.until).toBeGreaterThanOrEqual(Math.floor(auth.clock.now() / 1000) + 15 * 60);
    expect(await currentUser(cookie)).toBeNull();
  });

  it('signs out idempotently: no cookie, a garbage cookie, or an already revoked session all answer 200', async () => {
    const { cookie } = await auth.signup('twice@example.com');
    await request(auth.service.app).post('/api/users/signout').set('Cookie', cookie).expect(200);
    await request(auth.service.app).post('/api/users/signout').set('Cookie', cookie).expect(200, {});
    await request(auth.service.app).post('/api/users/signout').expect(200, {});
    await request(auth.service.app).post('/api/users/signout').set('Cookie', 'session=garbage').expect(200, {});
    const events = (await auth.events()).filter(
      (e) => e.subject === Subjects.SessionRevoked && e.data.sid === sidOf(cookie),
    );
    expect(events).toHaveLength(1);
  });

  it('signs the cookie’s session out behind a proxy that sends its own Authorization header', async () => {
    for (const [i, authorization] of ['Basic dXNlcjpwYXNz', 'Bearer not a token'].entries()) {
      const { cookie } = await auth.signup(`behind-${i}@example.com`);
      await request(auth.service.app)
        .post('/api/users/signout')
        .set('Authorization', authorization)
        .set('Cookie', cookie)
        .expect(200, {});
      await auth.waitForEvent(
        (e) => e.subject === Subjects.SessionRevoked && e.data.sid === sidOf(cookie),
        `auth.session.revoked behind "${authorization}"`,
      );
      expect(await currentUser(cookie)).toBeNull();
    }
  });

  it('signs out everywhere: every session of the user is revoked with one auth.user.sessions-revoked', async () => {
    const { cookie: first, id } = await auth.signup('all@example.com');
    const { cookie: second } = await auth.signin('all@example.com');
    const { cookie: bystander } = await auth.signup('bystander@example.com');
    await request(auth.service.app).post('/api/users/signout-all').set('Cookie', first).expect(200, {});
    const event = await auth.waitForEvent(
      (e) => e.subject === Subjects.UserSessionsRevoked && e.data.sub === id,
      'sessions-revoked',
    );
    const nowSeconds = Math.floor(auth.clock.now() / 1000);
    expect(event.data).toMatchObject({ sub: id, reason: 'signout-all', belowGeneration: 1, revokedBefore: nowSeconds });
    expect((event.data as { until: number }).until).toBeGreaterThan(nowSeconds + 15 * 60);
    expect(await currentUser(first)).toBeNull();
    expect(await currentUser(second)).toBeNull();
    expect(await currentUser(bystander)).toMatchObject({ email: 'bystander@example.com' });
    await request(auth.service.app).post('/api/users/signout-all').set('Cookie', second).expect(401);
  });

  it('lets the user sign in again at once after signing out everywhere (same second)', async () => {
    const { cookie } = await auth.signup('again@example.com');
    await request(auth.service.app).post('/api/users/signout-all').set('Cookie', cookie).expect(200);
    const { cookie: fresh, status } = await auth.signin('again@example.com');
    expect(status).toBe(200);
    expect(await currentUser(fresh)).toMatchObject({ email: 'again@example.com' });
  });

  it('refuses sign-out everywhere without a valid token', async () => {
    const res = await request(auth.service.app).post('/api/users/signout-all').expect(401);
    expect(res.body.errors[0].code).toBe('ERR_NOT_AUTHENTICATED');
  });

  it('reaches another instance’s revocation set through the stream', async () => {
    const { cookie } = await auth.signup('remote@example.com');
    const other = await startTestAuth({ server: auth.server });
    try {
      expect(
        (await request(other.service.app).get('/api/users/currentuser').set('Cookie', cookie)).body.currentUser,
      ).not.toBeNull();
      await request(auth.service.app).post('/api/users/signout').set('Cookie', cookie).expect(200);
      const sid = sidOf(cookie);
      await other.service.kit.whenReady();
      await waitFor(() => other.service.kit.revocations.isRevoked({ sid, sub: '', gen: 0 }), { timeoutMs: 2000 });
      expect(
        (await request(other.service.app).get('/api/users/currentuser').set('Cookie', cookie)).body.currentUser,
      ).toBeNull();
    } finally {
      await other.stop();
    }
  });
});
