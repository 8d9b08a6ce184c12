import request from 'supertest';
import { Subjects } from '@authbus/common';
import { claimsOfCookie, waitFor } from '@authbus/common/testing';
import { ADMIN_EMAIL, startTestAuth, type TestAuth } from '../support/test-auth';

/**
 * What the routes answer when a revocation could not be published and the fence is closed (the
 * fence clock itself: test/outbox/revocation-fence.test.ts; a real cut-off past the memory:
 * test/faults/auth-long-cut-off.test.ts). Here NATS is stopped and the fence's word is set by the test.
 */
describe('revocations past the fence point', () => {
  let auth: TestAuth;
  let fenced = false;
  let admin: string;

  beforeAll(async () => {
    auth = await startTestAuth();
    admin = (await auth.signup(ADMIN_EMAIL)).cookie;
    auth.service.ctx.fence = { answerable: () => !fenced, retryAfterSeconds: 2 };
  });

  afterAll(async () => {
    await auth.stop();
  });

  afterEach(async () => {
    fenced = false;
    if (!auth.server.running) await auth.server.restart();
  });

  const cleared = (res: request.Response) =>
    ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).some((l) => /^session=;/.test(l));
  const pending = {
    errors: [
      {
        code: 'ERR_REVOCATION_PENDING',
        message:
          'The revocation is recorded and will take effect in every service once the event bus is reachable again',
      },
    ],
  };

  async function natsDown(): Promise<void> {
    await auth.server.shutdown();
    await waitFor(async () => (await request(auth.service.app).get('/readyz')).body.nats === false, {
      description: 'auth to notice NATS is gone',
    });
  }

  it('answers 200 while the events reach the stream, fence or not', async () => {
    const { cookie } = await auth.signup('published@example.com');
    fenced = true;
    await request(auth.service.app).post('/api/users/signout').set('Cookie', cookie).expect(200, {});
  });

  it('sign-out: 503 ERR_REVOCATION_PENDING with Retry-After, the cookie cleared, recorded and published once NATS is back', async () => {
    const { cookie } = await auth.signup('fenced-signout@example.com');
    const { sid } = claimsOfCookie(cookie);
    await natsDown();
    fenced = true;
    const res = await request(auth.service.app).post('/api/users/signout').set('Cookie', cookie).expect(503, pending);
    expect(res.headers['retry-after']).toBe('2');
    expect(cleared(res)).toBe(true);
    // Recorded: refused here at once, waiting in the outbox.
    await request(auth.service.app)
      .get('/api/users/currentuser')
      .set('Cookie', cookie)
      .expect(200, { currentUser: null, tokenError: 'ERR_TOKEN_REVOKED' });
    expect((await request(auth.service.app).get('/readyz')).body.outbox.backlog).toBe(1);
    // A repeat is no 200 either while its event waits.
    await request(auth.service.app).post('/api/users/signout').set('Cookie', cookie).expect(503, pending);
    expect((await request(auth.service.app).get('/metrics')).text).toMatch(
      /authbus_auth_fenced_answers_total\{action="signout"\} 2/,
    );
    await auth.server.restart();
    await auth.waitForEvent((e) => e.subject === Subjects.SessionRevoked && e.data.sid === sid, 'the fenced sign-out');
  });

  it('sign-out everywhere and ban: 503 as well, recorded', async () => {
    const everywhere = await auth.signup('fenced-all@example.com');
    const banned = await auth.signup('fenced-ban@example.com');
    await natsDown();
    fenced = true;
    const res = await request(auth.service.app)
      .post('/api/users/signout-all')
      .set('Cookie', everywhere.cookie)
      .expect(503, pending);
    expect(cleared(res)).toBe(true);
    await request(auth.service.app)
      .post(`/api/users/${banned.id}/ban`)
      .set('Cookie', admin)
      .send({})
      .expect(503, pending);
    // Recorded: the ban holds here (a repeat changes nothing, and is no 200 while it waits).
    await request(auth.service.app).post(`/api/users/${banned.id}/ban`).set('Cookie', admin).send({}).expect(503);
    expect((await request(auth.service.app).get('/readyz')).body.outbox.backlog).toBe(2);
  });

  it('key withdrawal: 503 when its key set could not be published, withdrawn here all the same', async () => {
    const { kid } = (await request(auth.service.app).post('/api/keys/rotate').set('Cookie', admin).expect(200))
      .body as {
      kid: string;
    };
    await natsDown();
    fenced = true;
    await request(auth.service.app).delete(`/api/keys/${kid}`).set('Cookie', admin).expect(503, pending);
    const keys = (await request(auth.service.app).get('/api/keys').set('Cookie', admin).expect(200)).body as {
      keys: Array<{ kid: string; state: string }>;
    };
    expect(keys.keys.find((k) => k.kid === kid)?.state).toBe('withdrawn');
  });

  it('with nothing waiting, a repeated sign-out answers 200 even while fenced', async () => {
    const { cookie } = await auth.signup('repeat@example.com');
    await request(auth.service.app).post('/api/users/signout').set('Cookie', cookie).expect(200);
    await waitFor(async () => (await request(auth.service.app).get('/readyz')).body.outbox.backlog === 0, {
      description: 'the outbox to drain',
    });
    fenced = true;
    await request(auth.service.app).post('/api/users/signout').set('Cookie', cookie).expect(200, {});
  });
});
