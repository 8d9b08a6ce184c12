import express from 'express';
import type { NatsConnection } from 'nats';
import request from 'supertest';
import { createAuthKit, Subjects, type AuthKit, type SessionRevokedEvent, type StalenessPolicy } from '@authbus/common';
import { createEnvelope, publishEnvelope } from '@authbus/common/issuer';
import {
  testKeyRing,
  testSessionCookie,
  waitFor,
  type NatsServerHandle,
  startAuthBus,
  type AuthBus,
} from '@authbus/common/testing';

const keyRing = testKeyRing();

function appFor(kit: AuthKit) {
  const app = express();
  app.use(kit.currentUser);
  app.get('/public', (req, res) => {
    res.json({ user: req.currentUser?.sub ?? null });
  });
  app.get('/private', kit.requireAuth, (req, res) => {
    res.json({ user: req.currentUser!.sub });
  });
  app.get('/admin', kit.requireAuth, kit.requireRole('admin'), (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/boom', () => {
    throw new Error('secret detail');
  });
  app.use(kit.errorHandler);
  return app;
}

describe('createAuthKit', () => {
  let bus: AuthBus;
  let server: NatsServerHandle;
  let publisher: NatsConnection;
  const kits: AuthKit[] = [];

  async function startKit(policy: StalenessPolicy = 'closed', maxStalenessMs = 30_000) {
    const kit = createAuthKit({
      keyRing,
      nats: { servers: server.url },
      revocation: { stalenessPolicy: policy, maxStalenessMs, syncIntervalMs: 100 },
    });
    kits.push(kit);
    return kit;
  }

  async function revokeSession(sid: string): Promise<void> {
    const event = createEnvelope<SessionRevokedEvent>(Subjects.SessionRevoked, {
      sid,
      sub: 'u1',
      reason: 'signout',
      revokedAt: new Date().toISOString(),
      until: Math.floor(Date.now() / 1000) + 900,
    });
    await publishEnvelope(publisher.jetstream(), event);
  }

  beforeEach(async () => {
    bus = await startAuthBus({ maxAgeMs: 3600_000 });
    ({ server, nc: publisher } = bus);
  });

  afterEach(async () => {
    await Promise.all(kits.splice(0).map((k) => k.close()));
    await bus.stop();
  });

  it('sets currentUser from the session cookie and from a Bearer token', async () => {
    const kit = await startKit();
    await kit.whenReady();
    const { cookie, claims } = testSessionCookie({ sub: 'u1' }, keyRing);
    const app = appFor(kit);
    await request(app).get('/private').set('Cookie', cookie).expect(200, { user: 'u1' });
    const token = Buffer.from(cookie.split('=')[1]!, 'base64').toString();
    await request(app)
      .get('/private')
      .set('Authorization', `Bearer ${JSON.parse(token).jwt}`)
      .expect(200, { user: claims.sub });
  });

  it('answers 401 in the error shape without a token, and 403 without the role', async () => {
    const kit = await startKit();
    await kit.whenReady();
    const app = appFor(kit);
    const anonymous = await request(app).get('/private').expect(401);
    expect(anonymous.body).toEqual({ errors: [{ message: 'Not authenticated', code: 'ERR_NOT_AUTHENTICATED' }] });
    const { cookie } = testSessionCookie({ roles: ['user'] }, keyRing);
    const user = await request(app).get('/admin').set('Cookie', cookie).expect(403);
    expect(user.body.errors[0].code).toBe('ERR_FORBIDDEN');
    const { cookie: adminCookie } = testSessionCookie({ roles: ['admin'] }, keyRing);
    await request(app).get('/admin').set('Cookie', adminCookie).expect(200);
  });

  it.each([
    ['a malformed cookie', 'session=%%%not-base64', 'ERR_COOKIE_MALFORMED'],
    ['garbage in the jwt', `session=${Buffer.from('{"jwt":"x.y.z"}').toString('base64')}`, 'ERR_TOKEN_INVALID'],
    ['an oversized cookie', `session=${'A'.repeat(8000)}`, 'ERR_COOKIE_MALFORMED'],
  ])('never fails a public route for %s, and answers 401 on a private one', async (_name, cookie, code) => {
    const kit = await startKit();
    await kit.whenReady();
    const app = appFor(kit);
    await request(app).get('/public').set('Cookie', cookie).expect(200, { user: null });
    const res = await request(app).get('/private').set('Cookie', cookie).expect(401);
    expect(res.body.errors[0].code).toBe(code);
  });

  it('rejects a revoked token within a bounded wait after the event', async () => {
    const kit = await startKit();
    await kit.whenReady();
    const app = appFor(kit);
    const { cookie, claims } = testSessionCookie({ sub: 'u1' }, keyRing);
    await request(app).get('/private').set('Cookie', cookie).expect(200);
    const started = Date.now();
    await revokeSession(claims.sid);
    await waitFor(async () => (await request(app).get('/private').set('Cookie', cookie)).status === 401, {
      timeoutMs: 2000,
    });
    expect(Date.now() - started).toBeLessThan(2000);
    const res = await request(app).get('/private').set('Cookie', cookie);
    expect(res.body.errors[0].code).toBe('ERR_TOKEN_REVOKED');
    await request(app).get('/public').set('Cookie', cookie).expect(200, { user: null });
  });

  it('answers 503 with Retry-After until the feed has caught up', async () => {
    await server.shutdown();
    const kit = await startKit();
    const app = appFor(kit);
    const { cookie } = testSessionCookie({}, keyRing);
    const res = await request(app).get('/private').set('Cookie', cookie).expect(503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.body.errors[0].code).toBe('ERR_FEED_NOT_READY');
    expect(kit.readiness().ready).toBe(false);
    await server.restart();
    await kit.whenReady();
    await request(app).get('/private').set('Cookie', cookie).expect(200);
    expect(kit.readiness()).toMatchObject({ ready: true, caughtUp: true, stale: false });
  });

  it('policy closed: answers 503 while the feed is stale, and recovers when NATS returns', async () => {
    const kit = await startKit('closed', 600);
    await kit.whenReady();
    const app = appFor(kit);
    const { cookie } = testSessionCookie({}, keyRing);
    await server.kill();
    const stale = await waitFor(async () => {
      const res = await request(app).get('/private').set('Cookie', cookie);
      return res.status === 503 ? res : undefined;
    });
    expect(stale.body.errors[0].code).toBe('ERR_FEED_STALE');
    expect(Number(stale.headers['retry-after'])).toBeGreaterThan(0);
    expect(kit.readiness()).toMatchObject({ ready: false, stale: true });
    await request(app).get('/public').set('Cookie', cookie).expect(200);
    await server.restart();
    await waitFor(async () => (await request(app).get('/private').set('Cookie', cookie)).status === 200, {
      timeoutMs: 15_000,
    });
    expect(kit.readiness().ready).toBe(true);
  });

  it('policy open: serves while stale, and says so in the metrics', async () => {
    const kit = await startKit('open', 600);
    await kit.whenReady();
    const app = appFor(kit);
    const { cookie } = testSessionCookie({}, keyRing);
    await server.kill();
    await waitFor(() => kit.readiness().stale);
    await request(app).get('/private').set('Cookie', cookie).expect(200);
    expect(kit.readiness().ready).toBe(true);
    const metrics = await kit.metrics.metrics();
    expect(metrics).toMatch(/authbus_revocation_feed_stale 1/);
    expect(metrics).toMatch(/authbus_stale_requests_served_total 1/);
  });

  it('exposes set size, applied events and auth failures as metrics', async () => {
    const kit = await startKit();
    await kit.whenReady();
    const app = appFor(kit);
    await revokeSession('s-metrics');
    await waitFor(() => kit.revocations.size.sessions === 1);
    await request(app).get('/private').set('Cookie', 'session=%%%');
    const metrics = await kit.metrics.metrics();
    expect(metrics).toMatch(/authbus_revocation_entries\{kind="session"\} 1/);
    expect(metrics).toMatch(/authbus_revocation_events_total\{source="live",result="applied"\} 1/);
    expect(metrics).toMatch(/authbus_auth_failures_total\{code="ERR_COOKIE_MALFORMED"\} 1/);
    expect(metrics).toMatch(/authbus_revocation_feed_caught_up 1/);
  });

  it('times each revocation applied after catching up from its occurredAt, by source, but not the replay', async () => {
    await revokeSession('s-replayed');
    const kit = await startKit();
    await kit.whenReady();
    const event = createEnvelope<SessionRevokedEvent>(
      Subjects.SessionRevoked,
      {
        sid: 's-late',
        sub: 'u1',
        reason: 'signout',
        revokedAt: new Date().toISOString(),
        until: Math.floor(Date.now() / 1000) + 900,
      },
      { occurredAt: new Date(Date.now() - 2000) },
    );
    await publishEnvelope(publisher.jetstream(), event);
    await waitFor(() => kit.revocations.size.sessions === 2);
    const metrics = await kit.metrics.metrics();
    expect(metrics).toMatch(/authbus_revocation_propagation_seconds_count\{source="live"\} 1\n/);
    expect(metrics).toMatch(/authbus_revocation_propagation_seconds_bucket\{le="1",source="live"\} 0\n/);
    expect(metrics).toMatch(/authbus_revocation_propagation_seconds_bucket\{le="2.5",source="live"\} 1\n/);
    // The ordered consumer delivers it too, and the feed skips that copy (applied once); the replayed one counts nowhere.
    await waitFor(async () => /authbus_revocation_feed_lag_messages 0\n/.test(await kit.metrics.metrics()));
    expect(await kit.metrics.metrics()).not.toMatch(/propagation_seconds_count\{source="stream"\}/);
  });

  it('answers unknown errors 500 with a generic message', async () => {
    const kit = await startKit();
    const res = await request(appFor(kit)).get('/boom').expect(500);
    expect(res.body).toEqual({ errors: [{ message: 'Something went wrong', code: 'ERR_INTERNAL' }] });
  });
});
