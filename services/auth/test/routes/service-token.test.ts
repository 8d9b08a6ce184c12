import jwt from 'jsonwebtoken';
import request from 'supertest';
import { Subjects, createServiceTokenVerifier, signClientAssertion, type ServiceCredential } from '@authbus/common';
import { generateServiceKeyPair, tokenOfCookie } from '@authbus/common/testing';
import { ADMIN_EMAIL, startTestAuth, type TestAuth } from '../support/test-auth';

const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

describe('POST /api/services/token', () => {
  const tickets = generateServiceKeyPair('tickets');
  const orders = generateServiceKeyPair('orders');
  let auth: TestAuth;

  beforeAll(async () => {
    auth = await startTestAuth({
      env: { SERVICE_KEYS: JSON.stringify({ tickets: tickets.publicJwk, orders: orders.publicJwk }) },
    });
  });
  afterAll(async () => {
    await auth.stop();
  });

  const assertion = (credential: ServiceCredential = tickets.credential) =>
    signClientAssertion(credential, 'authbus', auth.clock.now);
  const token = (fields: Record<string, string>) =>
    request(auth.service.app).post('/api/services/token').type('form').send(fields);
  const own = (audience = 'orders', credential?: ServiceCredential) =>
    token({
      grant_type: 'client_credentials',
      audience,
      client_assertion_type: JWT_BEARER,
      client_assertion: assertion(credential),
    });
  const exchange = (subject: string, fields: Record<string, string> = {}) =>
    token({
      grant_type: EXCHANGE,
      subject_token: subject,
      subject_token_type: ACCESS,
      audience: 'auth',
      client_assertion_type: JWT_BEARER,
      client_assertion: assertion(),
      ...fields,
    });

  it('client credentials (form or JSON): a 5 minute token of the service for the callee, not cached by anyone', async () => {
    const res = await own().expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 300 });
    const claims = createServiceTokenVerifier(auth.service.ctx.keyRing, 'orders', { now: auth.clock.now })(
      res.body.access_token,
    );
    expect(claims).toMatchObject({
      sub: 'service:tickets',
      client_id: 'tickets',
      aud: ['orders'],
      token_use: 'service',
    });
    const json = await request(auth.service.app)
      .post('/api/services/token')
      .send({
        grant_type: 'client_credentials',
        audience: ['orders', 'auth'],
        client_assertion_type: JWT_BEARER,
        client_assertion: assertion(),
      })
      .expect(200);
    expect(jwt.decode(json.body.access_token)).toMatchObject({ aud: ['orders', 'auth'] });
  });

  it('refuses a replayed assertion, an unknown key, and one service’s key naming another (invalid_client, 401)', async () => {
    const once = assertion();
    const body = { grant_type: 'client_credentials', audience: 'orders', client_assertion_type: JWT_BEARER };
    await token({ ...body, client_assertion: once }).expect(200);
    expect((await token({ ...body, client_assertion: once }).expect(401)).body).toMatchObject({
      error: 'invalid_client',
    });
    const stranger = generateServiceKeyPair('tickets');
    expect((await own('orders', stranger.credential).expect(401)).body.error).toBe('invalid_client');
    // tickets' own key, but the assertion says it is auth.
    const spoof = { ...tickets.credential, service: 'orders' };
    expect((await own('auth', spoof).expect(401)).body.error).toBe('invalid_client');
    // No assertion at all.
    expect((await token({ grant_type: 'client_credentials', audience: 'orders' }).expect(401)).body.error).toBe(
      'invalid_client',
    );
  });

  it('answers RFC 6749 errors for a bad grant, audience or scope, never a 500', async () => {
    expect((await token({}).expect(400)).body.error).toBe('invalid_request');
    expect((await token({ grant_type: 'password' }).expect(400)).body.error).toBe('unsupported_grant_type');
    expect((await own('nobody').expect(400)).body.error).toBe('invalid_target');
    const scoped = await token({
      grant_type: 'client_credentials',
      audience: 'orders',
      scope: 'admin',
      client_assertion_type: JWT_BEARER,
      client_assertion: assertion(),
    });
    expect(scoped.status).toBe(400);
    expect(scoped.body.error).toBe('invalid_scope');
    await request(auth.service.app)
      .post('/api/services/token')
      .set('content-type', 'application/json')
      .send('{')
      .expect(400);
  });

  it('token exchange: the user, down-scoped to one audience, with the service as act; refused once the session ends', async () => {
    const { cookie, id } = await auth.signup('ada@example.com');
    const user = tokenOfCookie(cookie);
    const res = await exchange(user).expect(200);
    expect(res.body.issued_token_type).toBe(ACCESS);
    const claims = jwt.decode(res.body.access_token) as Record<string, unknown>;
    expect(claims).toMatchObject({
      sub: id,
      roles: ['user'],
      aud: 'auth',
      act: { sub: 'service:tickets' },
      token_use: 'delegated',
    });
    // The callee (auth itself here) sees the user through the exchanged token.
    const me = await request(auth.service.app)
      .get('/api/users/currentuser')
      .set('Authorization', `Bearer ${res.body.access_token}`);
    expect(me.body.currentUser).toMatchObject({ sub: id });
    // Not again for a wider audience, not for roles the user lacks, not for two audiences.
    expect((await exchange(res.body.access_token, { audience: 'orders' }).expect(400)).body.error).toBe(
      'invalid_grant',
    );
    expect((await exchange(user, { scope: 'admin' }).expect(400)).body.error).toBe('invalid_scope');
    expect((await exchange(user, { audience: 'auth orders' }).expect(400)).body.error).toBe('invalid_target');
    await request(auth.service.app).post('/api/users/signout').set('Cookie', cookie).expect(200);
    expect((await exchange(user).expect(400)).body.error).toBe('invalid_grant');
    expect(
      (
        await request(auth.service.app)
          .get('/api/users/currentuser')
          .set('Authorization', `Bearer ${res.body.access_token}`)
      ).body,
    ).toMatchObject({ currentUser: null, tokenError: 'ERR_TOKEN_REVOKED' });
  });

  it('an admin revokes a credential: auth.service.revoked, and the credential is refused from then on', async () => {
    const { cookie: admin } = await auth.signup(ADMIN_EMAIL);
    const { credential } = orders;
    const issued = await own('tickets', credential).expect(200);
    await request(auth.service.app)
      .post(`/api/services/orders/credentials/${credential.id}/revoke`)
      .set('Cookie', admin)
      .send({ reason: 'leaked' })
      .expect(200, { service: 'orders', credential: credential.id, revoked: true });
    const event = await auth.waitForEvent((e) => e.subject === Subjects.ServiceRevoked, 'auth.service.revoked');
    expect(event.data).toMatchObject({ service: 'orders', credential: credential.id, reason: 'leaked' });
    expect((await own('tickets', credential).expect(401)).body.error).toBe('invalid_client');
    expect(auth.service.kit.revocations.isCredentialRevoked('orders', credential.id)).toBe(true);
    expect(issued.body.access_token).toEqual(expect.any(String));
    await request(auth.service.app)
      .post(`/api/services/orders/credentials/nope/revoke`)
      .set('Cookie', admin)
      .expect(404);
    const { cookie: someone } = await auth.signup('eve@example.com');
    await request(auth.service.app)
      .post(`/api/services/tickets/credentials/${tickets.credential.id}/revoke`)
      .set('Cookie', someone)
      .expect(403);
  });
});
