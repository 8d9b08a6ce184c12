import request from 'supertest';
import { Subjects } from '@authbus/common';
import { ADMIN_EMAIL, startTestAuth, type TestAuth } from '../support/test-auth';

describe('admin: list, ban, unban', () => {
  let auth: TestAuth;
  let admin: string;

  beforeAll(async () => {
    auth = await startTestAuth();
    admin = (await auth.signup(ADMIN_EMAIL)).cookie;
  });

  afterAll(async () => {
    await auth.stop();
  });

  const ban = (cookie: string, id: string, body: object = {}) =>
    request(auth.service.app).post(`/api/users/${id}/ban`).set('Cookie', cookie).send(body);
  const unban = (cookie: string, id: string) =>
    request(auth.service.app).delete(`/api/users/${id}/ban`).set('Cookie', cookie);
  const currentUser = async (cookie: string) =>
    (await request(auth.service.app).get('/api/users/currentuser').set('Cookie', cookie)).body.currentUser;

  it('bans: every session of the user is refused, auth.user.banned is published, sign-in gets 403', async () => {
    const { cookie, id } = await auth.signup('victim@example.com');
    const { cookie: second } = await auth.signin('victim@example.com');
    const res = await ban(admin, id, { reason: 'spam' }).expect(200);
    expect(res.body).toEqual({ id, email: 'victim@example.com', roles: ['user'], banned: true });
    const event = await auth.waitForEvent(
      (e) => e.subject === Subjects.UserBanned && e.data.sub === id,
      'auth.user.banned',
    );
    expect(event.data).toMatchObject({
      sub: id,
      reason: 'spam',
      belowGeneration: 1,
      revokedBefore: Math.floor(auth.clock.now() / 1000),
    });
    expect(await currentUser(cookie)).toBeNull();
    expect(await currentUser(second)).toBeNull();
    const signin = await request(auth.service.app)
      .post('/api/users/signin')
      .send({ email: 'victim@example.com', password: 'correct horse battery' })
      .expect(403);
    expect(signin.body.errors[0]).toMatchObject({ message: 'Account banned', code: 'ERR_USER_BANNED' });
    const refresh = await request(auth.service.app).post('/api/users/refresh').set('Cookie', cookie).expect(403);
    expect(refresh.body.errors[0]).toMatchObject({ message: 'Account banned', code: 'ERR_USER_BANNED' });
  });

  it('unbans: auth.user.unbanned is published and the user can sign in again at once', async () => {
    const { id } = await auth.signup('pardoned@example.com');
    await ban(admin, id).expect(200);
    const res = await unban(admin, id).expect(200);
    expect(res.body.banned).toBe(false);
    await auth.waitForEvent((e) => e.subject === Subjects.UserUnbanned && e.data.sub === id, 'auth.user.unbanned');
    const { cookie, status } = await auth.signin('pardoned@example.com');
    expect(status).toBe(200);
    expect(await currentUser(cookie)).toMatchObject({ email: 'pardoned@example.com' });
  });

  it('is idempotent: banning twice publishes one event', async () => {
    const { id } = await auth.signup('twice-banned@example.com');
    await ban(admin, id).expect(200);
    await ban(admin, id).expect(200);
    const bans = (await auth.events()).filter((e) => e.subject === Subjects.UserBanned && e.data.sub === id);
    expect(bans).toHaveLength(1);
  });

  it('refuses users (403) and anonymous callers (401)', async () => {
    const { cookie, id } = await auth.signup('plain@example.com');
    expect((await ban(cookie, id).expect(403)).body.errors[0].code).toBe('ERR_FORBIDDEN');
    expect((await ban('', id).expect(401)).body.errors[0].code).toBe('ERR_NOT_AUTHENTICATED');
    await unban(cookie, id).expect(403);
    await request(auth.service.app).get('/api/users').set('Cookie', cookie).expect(403);
    await request(auth.service.app).get('/api/users').expect(401);
  });

  it('answers 404 for unknown and malformed ids, 400 for a bad reason and for banning yourself', async () => {
    await ban(admin, '0123456789abcdef01234567').expect(404);
    await ban(admin, 'not-an-id').expect(404);
    await ban(admin, '../../etc').expect(404);
    const { id } = await auth.signup('reason@example.com');
    await ban(admin, id, { reason: 'x'.repeat(201) }).expect(400);
    const me = (await request(auth.service.app).get('/api/users/currentuser').set('Cookie', admin)).body.currentUser
      .sub;
    await ban(admin, me).expect(400);
  });

  it('lists users with their ban status, paged', async () => {
    const res = await request(auth.service.app).get('/api/users?limit=2&offset=0').set('Cookie', admin).expect(200);
    expect(res.body.total).toBeGreaterThanOrEqual(2);
    expect(res.body.users).toHaveLength(2);
    expect(res.body.users[0]).toEqual({
      id: expect.any(String),
      email: ADMIN_EMAIL,
      roles: ['user', 'admin'],
      banned: false,
    });
    expect(JSON.stringify(res.body)).not.toMatch(/passwordHash|scrypt/);
    await request(auth.service.app).get('/api/users?limit=0').set('Cookie', admin).expect(400);
  });

  it('bans with no body at all (no JSON, no content type): 200 with the default reason', async () => {
    const { id } = await auth.signup('no-body@example.com');
    const res = await request(auth.service.app).post(`/api/users/${id}/ban`).set('Cookie', admin).expect(200);
    expect(res.body).toMatchObject({ id, banned: true });
    const event = await auth.waitForEvent((e) => e.subject === Subjects.UserBanned && e.data.sub === id, 'the ban');
    expect(event.data).toMatchObject({ reason: 'banned by an administrator' });
  });

  it.each([
    ['an offset beyond the maximum', 'offset=100000000000000000000'],
    ['an offset of 1,000,001', 'offset=1000001'],
    ['a limit beyond the maximum', 'limit=501'],
    ['a fractional offset', 'offset=1.5'],
    ['a negative offset', 'offset=-1'],
  ])('answers 400 for %s', async (_name, query) => {
    const res = await request(auth.service.app).get(`/api/users?${query}`).set('Cookie', admin).expect(400);
    expect(res.body.errors[0]).toMatchObject({ code: 'ERR_VALIDATION', field: query.split('=')[0] });
  });
});
