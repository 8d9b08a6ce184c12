import request from 'supertest';
import { readSessionToken } from '@authbus/common';
import { ADMIN_EMAIL, startTestAuth, type TestAuth } from '../support/test-auth';

/** Cut-offs, sign-ins and bans landing in the same second: no token may outlive a revocation. */
describe('revocations in the same second', () => {
  let auth: TestAuth;

  beforeAll(async () => {
    auth = await startTestAuth();
  });

  afterAll(async () => {
    await auth.stop();
  });

  const verdict = (cookie: string): string => {
    try {
      auth.service.kit.authenticate(readSessionToken(cookie)!);
      return 'accepted';
    } catch (err) {
      return (err as { code: string }).code;
    }
  };

  it('a second sign-out everywhere in the same second also refuses the token signed in between', async () => {
    const first = await auth.signup('twice-out@example.com');
    await request(auth.service.app).post('/api/users/signout-all').set('Cookie', first.cookie).expect(200);
    const between = await auth.signin('twice-out@example.com');
    expect(verdict(between.cookie)).toBe('accepted');
    await request(auth.service.app).post('/api/users/signout-all').set('Cookie', between.cookie).expect(200);
    expect(verdict(between.cookie)).toBe('ERR_TOKEN_REVOKED');
  });

  it('a ban in the same second as an earlier sign-out everywhere refuses the fresh token', async () => {
    const admin = await auth.signup(ADMIN_EMAIL);
    const user = await auth.signup('same-second-ban@example.com');
    await request(auth.service.app).post('/api/users/signout-all').set('Cookie', user.cookie).expect(200);
    const fresh = await auth.signin('same-second-ban@example.com');
    await request(auth.service.app).post(`/api/users/${user.id}/ban`).set('Cookie', admin.cookie).send({}).expect(200);
    expect(verdict(fresh.cookie)).toBe('ERR_TOKEN_REVOKED');
    const again = await auth.signin('same-second-ban@example.com');
    expect(again.status).toBe(403);
  });

  it('a sign-in that races a ban gets no usable token: refused at once, or revoked by the ban', async () => {
    const admin = (await auth.signin(ADMIN_EMAIL)).cookie;
    const user = await auth.signup('racer@example.com');
    auth.clock.advance(2);
    const [signin] = await Promise.all([
      request(auth.service.app)
        .post('/api/users/signin')
        .send({ email: 'racer@example.com', password: 'correct horse battery' }),
      request(auth.service.app).post(`/api/users/${user.id}/ban`).set('Cookie', admin).send({}),
    ]);
    if (signin.status === 200) {
      const cookie = (signin.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
      expect(verdict(cookie)).toBe('ERR_TOKEN_REVOKED');
    } else {
      expect(signin.status).toBe(403);
    }
  });
});
