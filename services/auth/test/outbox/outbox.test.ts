import request from 'supertest';
import { Subjects } from '@authbus/common';
import { waitFor, claimsOfCookie } from '@authbus/common/testing';
import { startTestAuth, type TestAuth } from '../support/test-auth';

describe('the outbox: nothing lost while NATS is down', () => {
  let auth: TestAuth;

  beforeAll(async () => {
    auth = await startTestAuth();
  });

  afterAll(async () => {
    await auth.stop();
  });

  it('answers sign-out 503 ERR_REVOCATION_PENDING with NATS stopped, holds the event, and publishes it once NATS is back', async () => {
    const { cookie } = await auth.signup('offline@example.com');
    const { sid } = claimsOfCookie(cookie);
    await auth.server.shutdown();
    await waitFor(async () => (await request(auth.service.app).get('/readyz')).body.nats === false, {
      description: 'auth to notice NATS is gone',
    });

    // Not on the stream, and its 15-minute tokens outlive verifiers' 2-minute memory of auth: recorded, not 200.
    const res = await request(auth.service.app).post('/api/users/signout').set('Cookie', cookie).expect(503);
    expect(res.body.errors[0].code).toBe('ERR_REVOCATION_PENDING');
    // Answered while NATS is still down: the sign-out did not wait for it to come back.
    expect(auth.server.running).toBe(false);

    const ready = await request(auth.service.app).get('/readyz').expect(200);
    expect(ready.body.outbox.backlog).toBe(1);
    expect((await request(auth.service.app).get('/metrics')).text).toMatch(/authbus_outbox_backlog 1/);
    // This instance refuses the token at once, NATS or not.
    await request(auth.service.app)
      .get('/api/users/currentuser')
      .set('Cookie', cookie)
      .expect(200, { currentUser: null, tokenError: 'ERR_TOKEN_REVOKED' });

    await auth.server.restart();
    const event = await auth.waitForEvent(
      (e) => e.subject === Subjects.SessionRevoked && e.data.sid === sid,
      'the held event on the stream',
    );
    expect(event.data).toMatchObject({ reason: 'signout' });
    await waitFor(async () => (await request(auth.service.app).get('/readyz')).body.outbox.backlog === 0, {
      description: 'the outbox to drain',
    });
    const stored = (await auth.events()).filter((e) => e.subject === Subjects.SessionRevoked && e.data.sid === sid);
    expect(stored).toHaveLength(1);
  });

  it('publishes each event once even when retried (Nats-Msg-Id dedupe)', async () => {
    const { cookie } = await auth.signup('once@example.com');
    await request(auth.service.app).post('/api/users/signout').set('Cookie', cookie).expect(200);
    const events = await auth.events();
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('readiness while revocations cannot be published', () => {
  let auth: TestAuth;

  beforeAll(async () => {
    auth = await startTestAuth({ env: { OUTBOX_MAX_LAG: '1s' } });
  });

  afterAll(async () => {
    await auth.stop();
  });

  it('stays ready through a short outage, turns 503 once an event waits longer than OUTBOX_MAX_LAG, and ready again once published', async () => {
    const { cookie } = await auth.signup('lagging@example.com');
    await auth.server.shutdown();
    await waitFor(async () => (await request(auth.service.app).get('/readyz')).body.nats === false, {
      description: 'auth to notice NATS is gone',
    });
    // Recorded but not published: 503 ERR_REVOCATION_PENDING (its tokens outlive verifiers' memory of auth).
    await request(auth.service.app).post('/api/users/signout').set('Cookie', cookie).expect(503);
    expect((await request(auth.service.app).get('/readyz')).body).toMatchObject({
      ready: true,
      outbox: { backlog: 1, publishing: true },
    });

    // Real time passes (the outbox ages by the service clock: move it as the wall clock would).
    auth.clock.advance(1.5);
    const stale = await request(auth.service.app).get('/readyz').expect(503);
    expect(stale.body).toMatchObject({ ready: false, outbox: { backlog: 1, publishing: false } });
    expect(stale.body.outbox.lagSeconds).toBeGreaterThan(1);

    await auth.server.restart();
    await waitFor(async () => (await request(auth.service.app).get('/readyz')).status === 200, {
      timeoutMs: 15_000,
      description: 'ready again once the event is published',
    });
    expect((await request(auth.service.app).get('/readyz')).body).toMatchObject({
      ready: true,
      outbox: { backlog: 0, publishing: true },
    });
  });
});
