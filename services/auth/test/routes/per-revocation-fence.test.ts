import request from 'supertest';
import { Subjects, type AnyEventEnvelope } from '@authbus/common';
import { claimsOfCookie, waitFor } from '@authbus/common/testing';
import { startTestAuth, type TestAuth } from '../support/test-auth';

/**
 * The per-revocation rule with the real fence (no stub): a revocation the stream has not
 * acknowledged is answered 200 only when every token it covers expires, with the clock tolerance
 * and the margin, before verifiers may forget this instance. With the default memory (2 min) and
 * 15-minute tokens that is never, even a moment after a confirmed heartbeat; with a memory longer
 * than a token's life it is right after one.
 */
describe('a revocation that cannot reach the stream, by how long its tokens live', () => {
  const pending = {
    errors: [
      {
        code: 'ERR_REVOCATION_PENDING',
        message:
          'The revocation is recorded and will take effect in every service once the event bus is reachable again',
      },
    ],
  };

  async function heard(auth: TestAuth): Promise<void> {
    // The gauge drops to 0 once the server confirmed a heartbeat (the fence knows `h`).
    await waitFor(
      async () => /authbus_auth_revocations_fenced 0/.test((await request(auth.service.app).get('/metrics')).text),
      { description: 'a confirmed heartbeat' },
    );
  }

  async function natsDown(auth: TestAuth): Promise<void> {
    await auth.server.shutdown();
    await waitFor(async () => (await request(auth.service.app).get('/readyz')).body.nats === false, {
      description: 'auth to notice NATS is gone',
    });
  }

  async function storedOnce(auth: TestAuth, sid: string): Promise<void> {
    await auth.waitForEvent((e) => e.subject === Subjects.SessionRevoked && e.data.sid === sid, 'the sign-out');
    await waitFor(async () => (await request(auth.service.app).get('/readyz')).body.outbox.backlog === 0, {
      description: 'the outbox to drain',
    });
    const mine = (await auth.events()).filter(
      (e: AnyEventEnvelope) => e.subject === Subjects.SessionRevoked && e.data.sid === sid,
    );
    expect(mine).toHaveLength(1);
  }

  describe('default memory (2 min) and 15-minute tokens', () => {
    let auth: TestAuth;
    beforeAll(async () => {
      auth = await startTestAuth();
    });
    afterAll(async () => {
      await auth.stop();
    });

    it('answers a sign-out it could not publish 503 right after a confirmed heartbeat; recorded, stored once when NATS is back', async () => {
      const { cookie } = await auth.signup('short-memory@example.com');
      const { sid } = claimsOfCookie(cookie);
      await heard(auth);
      await natsDown(auth);
      await request(auth.service.app).post('/api/users/signout').set('Cookie', cookie).expect(503, pending);
      await request(auth.service.app)
        .get('/api/users/currentuser')
        .set('Cookie', cookie)
        .expect(200, { currentUser: null, tokenError: 'ERR_TOKEN_REVOKED' });
      await auth.server.restart();
      await storedOnce(auth, sid);
    });
  });

  describe('a memory longer than a token lives (20 min)', () => {
    let auth: TestAuth;
    beforeAll(async () => {
      auth = await startTestAuth({ env: { REVOCATION_SILENT_MEMORY: '20m' } });
    });
    afterAll(async () => {
      await auth.stop();
    });

    it('answers a sign-out it could not publish 200 right after a confirmed heartbeat; stored once when NATS is back', async () => {
      const { cookie } = await auth.signup('long-memory@example.com');
      const { sid } = claimsOfCookie(cookie);
      await heard(auth);
      await natsDown(auth);
      await request(auth.service.app).post('/api/users/signout').set('Cookie', cookie).expect(200, {});
      expect((await request(auth.service.app).get('/readyz')).body.outbox.backlog).toBe(1);
      await auth.server.restart();
      await storedOnce(auth, sid);
    });
  });
});
