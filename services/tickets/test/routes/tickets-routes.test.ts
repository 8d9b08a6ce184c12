import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import request from 'supertest';
import {
  createAuthKit,
  Subjects,
  type AuthKit,
  type SessionRevokedEvent,
  type UserCreatedEvent,
} from '@authbus/common';
import { createEnvelope, publishEnvelope } from '@authbus/common/issuer';
import { testKeyRing, testSessionCookie, waitFor } from '@authbus/common/testing';
import { startTestTickets, type TestTickets } from '../support/test-tickets';

describe('tickets API', () => {
  let t: TestTickets;
  let fakeAuth: Server;
  let fakeAuthKit: AuthKit;
  const relayed: string[] = [];

  beforeAll(async () => {
    t = await startTestTickets({ AUTH_URL: 'http://127.0.0.1:1' });
    // Stands in for the auth service's currentuser route: verifies the relayed token with the kit.
    fakeAuthKit = createAuthKit({
      keyRing: testKeyRing(),
      nats: { servers: t.server.url },
      revocation: { syncIntervalMs: 100 },
    });
    await fakeAuthKit.whenReady();
    const authApp = express();
    authApp.use((req, _res, next) => {
      relayed.push(req.headers.authorization ?? '');
      next();
    });
    authApp.use(fakeAuthKit.currentUser);
    authApp.get('/api/users/currentuser', (req, res) => {
      res.json({ currentUser: req.currentUser ?? null });
    });
    fakeAuth = authApp.listen(0);
    await new Promise((resolve) => fakeAuth.once('listening', resolve));
  });

  afterAll(async () => {
    fakeAuth.close();
    await fakeAuthKit.close();
    await t.stop();
  });

  const app = () => t.service.app;
  const create = (cookie: string, body: object) => request(app()).post('/api/tickets').set('Cookie', cookie).send(body);

  it('creates a ticket for a signed-in user and lists it publicly', async () => {
    const { cookie, claims } = testSessionCookie({ email: 'seller@example.com' });
    const res = await create(cookie, { title: 'Concert', price: 20 }).expect(201);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      title: 'Concert',
      price: 20,
      userId: claims.sub,
    });
    const list = await request(app()).get('/api/tickets').expect(200);
    expect(list.body.tickets.map((x: { id: string }) => x.id)).toContain(res.body.id);
    await request(app()).get(`/api/tickets/${res.body.id}`).expect(200);
  });

  it.each([19.99, 0.29, 1.13, 4.35, 0.07, 1_000_000])('accepts a price of %d', async (price) => {
    const { cookie } = testSessionCookie();
    const res = await create(cookie, { title: 'Priced', price }).expect(201);
    expect(res.body.price).toBe(price);
  });

  it('refuses to create without a user (401) and with malformed cookies (401, never 500)', async () => {
    await create('', { title: 'x', price: 1 }).expect(401);
    for (const cookie of [
      'session=%%%',
      'session=e30=',
      `session=${Buffer.from('{"jwt":"a.b.c"}').toString('base64')}`,
    ]) {
      const res = await create(cookie, { title: 'x', price: 1 }).expect(401);
      expect(res.body.errors[0].code).toMatch(/^ERR_(COOKIE_MALFORMED|TOKEN_INVALID|NOT_AUTHENTICATED)$/);
    }
  });

  it.each([
    [{ price: 10 }, 'title'],
    [{ title: '', price: 10 }, 'title'],
    [{ title: 'x'.repeat(201), price: 10 }, 'title'],
    [{ title: 'ok' }, 'price'],
    [{ title: 'ok', price: -10 }, 'price'],
    [{ title: 'ok', price: '10' }, 'price'],
    [{ title: 'ok', price: 10.001 }, 'price'],
    [{ title: 'ok', price: 1e9 }, 'price'],
  ])('answers 400 naming the field for %j', async (body, field) => {
    const { cookie } = testSessionCookie();
    const res = await create(cookie, body).expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it.each(['offset=100000000000000000000', 'offset=1000001', 'limit=101', 'offset=-1'])(
    'answers 400 for paging %s',
    async (query) => {
      const res = await request(app()).get(`/api/tickets?${query}`).expect(400);
      expect(res.body.errors[0]).toMatchObject({ code: 'ERR_VALIDATION', field: query.split('=')[0] });
    },
  );

  it('lets only the owner update a ticket (403 for others, 404 for unknown ids)', async () => {
    const owner = testSessionCookie();
    const other = testSessionCookie();
    const { body } = await create(owner.cookie, { title: 'Play', price: 15 }).expect(201);
    const forbidden = await request(app())
      .put(`/api/tickets/${body.id}`)
      .set('Cookie', other.cookie)
      .send({ title: 'Mine now', price: 1 })
      .expect(403);
    expect(forbidden.body.errors[0].code).toBe('ERR_FORBIDDEN');
    const updated = await request(app())
      .put(`/api/tickets/${body.id}`)
      .set('Cookie', owner.cookie)
      .send({ title: 'Play II', price: 16.5 })
      .expect(200);
    expect(updated.body).toMatchObject({ title: 'Play II', price: 16.5 });
    await request(app())
      .put('/api/tickets/0123456789abcdef01234567')
      .set('Cookie', owner.cookie)
      .send({ title: 'x', price: 1 })
      .expect(404);
    await request(app()).get('/api/tickets/not-an-id').expect(404);
    await request(app()).get('/api/tickets/0123456789abcdef01234567').expect(404);
  });

  it('refuses a revoked session within a bounded wait', async () => {
    const { cookie, claims } = testSessionCookie();
    await create(cookie, { title: 'before', price: 1 }).expect(201);
    const event = createEnvelope<SessionRevokedEvent>(Subjects.SessionRevoked, {
      sid: claims.sid,
      sub: claims.sub,
      reason: 'signout',
      revokedAt: new Date().toISOString(),
      until: claims.exp,
    });
    await publishEnvelope(t.publisher.jetstream(), event);
    await waitFor(async () => (await create(cookie, { title: 'after', price: 1 })).status === 401, { timeoutMs: 2000 });
    expect((await create(cookie, { title: 'after', price: 1 })).body.errors[0].code).toBe('ERR_TOKEN_REVOKED');
  });

  it('keeps a user directory from auth.user.created and shows owner emails', async () => {
    const { cookie, claims } = testSessionCookie({ email: 'dir@example.com' });
    const created = createEnvelope<UserCreatedEvent>(Subjects.UserCreated, {
      sub: claims.sub,
      email: 'dir@example.com',
      roles: ['user'],
    });
    await publishEnvelope(t.publisher.jetstream(), created);
    const { body } = await create(cookie, { title: 'Owned', price: 5 }).expect(201);
    await waitFor(
      async () => (await request(app()).get(`/api/tickets/${body.id}`)).body.ownerEmail === 'dir@example.com',
    );
  });

  it('calls the auth service on the caller’s behalf by relaying the token (GET /api/tickets/mine)', async () => {
    const address = fakeAuth.address() as AddressInfo;
    const relay = await startTestTickets({ AUTH_URL: `http://127.0.0.1:${address.port}` });
    try {
      const { cookie, claims } = testSessionCookie({ email: 'relay@example.com' });
      await request(relay.service.app)
        .post('/api/tickets')
        .set('Cookie', cookie)
        .send({ title: 'Mine', price: 3 })
        .expect(201);
      const res = await request(relay.service.app).get('/api/tickets/mine').set('Cookie', cookie).expect(200);
      expect(res.body.account).toMatchObject({ sub: claims.sub, email: 'relay@example.com' });
      expect(res.body.tickets.map((x: { title: string }) => x.title)).toEqual(['Mine']);
      expect(relayed.at(-1)).toMatch(/^Bearer ey/);
      await request(relay.service.app).get('/api/tickets/mine').expect(401);
    } finally {
      await relay.stop();
    }
  });

  it('answers 503 for /mine when the auth service is unreachable', async () => {
    const { cookie } = testSessionCookie();
    const res = await request(app()).get('/api/tickets/mine').set('Cookie', cookie).expect(503);
    expect(res.headers['retry-after']).toBeDefined();
  });

  it('serves probes: ready once the revocation feed caught up', async () => {
    const ready = await request(app()).get('/readyz').expect(200);
    expect(ready.body).toMatchObject({ ready: true, store: true, feed: { caughtUp: true } });
    await request(app()).get('/healthz').expect(200);
    expect((await request(app()).get('/metrics')).text).toMatch(/authbus_revocation_entries/);
    await request(app()).post('/api/tickets').set('Origin', 'https://evil.example').send({}).expect(403);
  });
});
