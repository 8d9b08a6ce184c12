import request from 'supertest';
import { Subjects } from '@authbus/common';
import { startTestAuth, type TestAuth } from '../support/test-auth';
import { claimsOfCookie } from '@authbus/common/testing';

const claimsOf = claimsOfCookie;
const cookieOf = (res: request.Response): string =>
  (res.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;

describe('POST /api/users/refresh', () => {
  let auth: TestAuth;

  beforeAll(async () => {
    auth = await startTestAuth({ env: { ACCESS_TOKEN_TTL: '60s', SESSION_TTL: '1h', REFRESH_GRACE: '10s' } });
  });

  afterAll(async () => {
    await auth.stop();
  });

  const refresh = (cookie: string) => request(auth.service.app).post('/api/users/refresh').set('Cookie', cookie);

  it('re-issues an expired token for a live session, rotating its jti', async () => {
    const { cookie } = await auth.signup('r1@example.com');
    auth.clock.advance(120);
    await request(auth.service.app)
      .get('/api/users/currentuser')
      .set('Cookie', cookie)
      .expect(200, { currentUser: null, tokenError: 'ERR_TOKEN_EXPIRED' });
    const res = await refresh(cookie).expect(200);
    const fresh = cookieOf(res);
    expect(claimsOf(fresh).sid).toBe(claimsOf(cookie).sid);
    expect(claimsOf(fresh).jti).not.toBe(claimsOf(cookie).jti);
    expect(claimsOf(fresh).exp).toBe(Math.floor(auth.clock.now() / 1000) + 60);
    expect(res.body.currentUser).toMatchObject({ email: 'r1@example.com' });
    await request(auth.service.app).get('/api/users/currentuser').set('Cookie', fresh).expect(200);
  });

  it('re-issues for the previous token within the grace window (a second tab), without rotating again', async () => {
    const { cookie } = await auth.signup('r2@example.com');
    const first = cookieOf(await refresh(cookie).expect(200));
    auth.clock.advance(5);
    const second = cookieOf(await refresh(cookie).expect(200));
    expect(claimsOf(second).jti).toBe(claimsOf(first).jti);
  });

  it('treats an old token after the grace window as reuse: 401, session revoked, event published', async () => {
    const { cookie, id } = await auth.signup('r3@example.com');
    const rotated = cookieOf(await refresh(cookie).expect(200));
    auth.clock.advance(11);
    const res = await refresh(cookie).expect(401);
    expect(res.body.errors[0].message).toMatch(/reuse/);
    const event = await auth.waitForEvent(
      (e) => e.subject === Subjects.SessionRevoked && e.data.sid === claimsOf(cookie).sid,
      'reuse revocation',
    );
    expect(event.data).toMatchObject({ sub: id, reason: 'refresh-reuse' });
    // The legitimate holder of the rotated token is cut off too: the session is gone.
    await refresh(rotated).expect(401);
    await request(auth.service.app)
      .get('/api/users/currentuser')
      .set('Cookie', rotated)
      .expect(200, { currentUser: null, tokenError: 'ERR_TOKEN_REVOKED' });
  });

  it('refuses a signed-out session', async () => {
    const { cookie } = await auth.signup('r4@example.com');
    await request(auth.service.app).post('/api/users/signout').set('Cookie', cookie).expect(200);
    const res = await refresh(cookie).expect(401);
    expect(res.body.errors[0].code).toBe('ERR_TOKEN_REVOKED');
  });

  it('refuses a session past its absolute lifetime', async () => {
    const { cookie } = await auth.signup('r5@example.com');
    auth.clock.advance(3601);
    const res = await refresh(cookie).expect(401);
    expect(res.body.errors[0].message).toMatch(/expired/);
  });

  it('refuses without a cookie, with garbage, and with a token signed by another key', async () => {
    await refresh('').expect(401);
    await refresh('session=garbage').expect(401);
    const forged = `session=${Buffer.from(JSON.stringify({ jwt: 'eyJhbGciOiJIUzI1NiIsImtpZCI6ImRlZmF1bHQifQ.eyJzdWIiOiJ4In0.sig' })).toString('base64')}`;
    await refresh(forged).expect(401);
  });
});
