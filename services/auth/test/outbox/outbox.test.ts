import request from 'supertest';
import { Subjects } from '@authbus/common';
import { waitFor } from '@authbus/common/testing';
import { startTestAuth, type TestAuth } from '../support/test-auth';

describe('the outbox: nothing lost while NATS is down', () => {
  let auth: TestAuth;

  beforeAll(async () => {
    auth = await startTestAuth();
  });

  afterAll(async () => {
    await auth.stop();
  });

  it('answers sign-out 200 with NATS stopped, holds the event, and publishes it once NATS is back', async () => {
    const { cookie } = await auth.signup('offline@example.com');
    const sid = JSON.parse(Buffer.from(JSON.parse(Buffer.from(cookie.split('=')[1]!, 'base64').toString()).jwt.split('.')[1], 'base64url').toString()).sid;
    await auth.server.shutdown();
    await waitFor(async () => (await request(auth.service.app).get('/readyz')).body.nats === false, { description: 'auth to notice NATS is gone' });

    const started = Date.now();
    await request(auth.service.app).post('/api/users/signout').set('Cookie', cookie).expect(200, {});
    expect(Date.now() - started).toBeLessThan(2000);

    const ready = await request(auth.service.app).get('/readyz').expect(200);
    expect(ready.body.outbox.backlog).toBe(1);
    expect((await request(auth.service.app).get('/metrics')).text).toMatch(/authbus_outbox_backlog 1/);
    // This instance refuses the token at once, NATS or not.
    await request(auth.service.app).get('/api/users/currentuser').set('Cookie', cookie).expect(200, { currentUser: null, tokenError: 'ERR_TOKEN_REVOKED' });

    await auth.server.restart();
    const event = await auth.waitForEvent((e) => e.subject === Subjects.SessionRevoked && e.data.sid === sid, 'the held event on the stream');
    expect(event.data).toMatchObject({ reason: 'signout' });
    await waitFor(async () => (await request(auth.service.app).get('/readyz')).body.outbox.backlog === 0, { description: 'the outbox to drain' });
  });

  it('publishes each event once even when retried (Nats-Msg-Id dedupe)', async () => {
    const { cookie } = await auth.signup('once@example.com');
    await request(auth.service.app).post('/api/users/signout').set('Cookie', cookie).expect(200);
    const events = await auth.events();
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
