import request from 'supertest';
import { Subjects, type ServiceRevokedEvent } from '@authbus/common';
import { createEnvelope, publishEnvelope, signServiceToken } from '@authbus/common/issuer';
import { signTestToken, testKeyRing, testSessionCookie, waitFor } from '@authbus/common/testing';
import { startTestTickets, type TestTickets } from '../support/test-tickets';

describe('POST /internal/users/:id/hide (auth only)', () => {
  let tickets: TestTickets;
  const ring = testKeyRing();
  const serviceToken = (service: string, audience = ['tickets'], options: { now?: () => number } = {}) =>
    signServiceToken({ service, credential: `${service}-key`, audience }, ring, options).token;

  beforeAll(async () => {
    tickets = await startTestTickets();
  });
  afterAll(async () => {
    await tickets.stop();
  });

  const hide = (id: string) => request(tickets.service.app).post(`/internal/users/${id}/hide`);

  it('hides the user’s tickets when auth calls with its own token for tickets', async () => {
    const { cookie, claims } = testSessionCookie();
    await request(tickets.service.app)
      .post('/api/tickets')
      .set('Cookie', cookie)
      .send({ title: 'Gone', price: 3 })
      .expect(201);
    const res = await hide(claims.sub)
      .set('Authorization', `Bearer ${serviceToken('auth')}`)
      .expect(200);
    expect(res.body).toEqual({ hidden: 1 });
    const list = await request(tickets.service.app).get('/api/tickets').expect(200);
    expect(list.body.tickets.map((t: { title: string }) => t.title)).not.toContain('Gone');
  });

  it('refuses no token, a user’s cookie or token, another service, another audience, an expired token', async () => {
    await hide('u1').expect(401);
    const { cookie } = testSessionCookie({ roles: ['admin'] });
    await hide('u1').set('Cookie', cookie).expect(403);
    await hide('u1')
      .set('Authorization', `Bearer ${signTestToken({ roles: ['admin'] }).token}`)
      .expect(403);
    await hide('u1')
      .set('Authorization', `Bearer ${serviceToken('orders')}`)
      .expect(403);
    await hide('u1')
      .set('Authorization', `Bearer ${serviceToken('auth', ['orders'])}`)
      .expect(401);
    const old = serviceToken('auth', ['tickets'], { now: () => Date.now() - 3600_000 });
    expect((await hide('u1').set('Authorization', `Bearer ${old}`).expect(401)).body.errors[0].code).toBe(
      'ERR_TOKEN_EXPIRED',
    );
  });

  it('never asks a token of a CORS preflight', async () => {
    const res = await request(tickets.service.app).options('/internal/users/u1/hide');
    expect(res.status).not.toBe(401);
    expect(res.status).not.toBe(403);
  });

  it('refuses the tokens of a credential once auth.service.revoked arrives', async () => {
    const token = serviceToken('auth');
    await hide('u2').set('Authorization', `Bearer ${token}`).expect(200);
    const until = Math.floor(Date.now() / 1000) + 600;
    await publishEnvelope(
      tickets.publisher.jetstream(),
      createEnvelope<ServiceRevokedEvent>(Subjects.ServiceRevoked, {
        service: 'auth',
        credential: 'auth-key',
        reason: 'test',
        revokedAt: new Date().toISOString(),
        until,
      }),
    );
    await waitFor(() => tickets.service.kit.revocations.isCredentialRevoked('auth', 'auth-key'), {
      description: 'the revocation applied',
    });
    const res = await hide('u2').set('Authorization', `Bearer ${token}`).expect(401);
    expect(res.body.errors[0].code).toBe('ERR_TOKEN_REVOKED');
  });
});
