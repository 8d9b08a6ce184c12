import request from 'supertest';
import { connect, type NatsConnection } from 'nats';
import { RevocationFeed, RevocationSet, Subjects } from '@authbus/common';
import { ADMIN_EMAIL, startTestAuth, type TestAuth } from '../support/test-auth';

describe('the revocation snapshot auth keeps', () => {
  let auth: TestAuth;
  let admin: string;
  const connections: NatsConnection[] = [];

  beforeAll(async () => {
    auth = await startTestAuth();
    admin = (await auth.signup(ADMIN_EMAIL)).cookie;
  });

  afterAll(async () => {
    await Promise.all(connections.map((c) => c.close()));
    await auth.stop();
  });

  it('is written on demand by an admin, and a new verifier loads it and refuses what it holds', async () => {
    const { cookie } = await auth.signup('leaving@example.com');
    await request(auth.service.app).post('/api/users/signout').set('Cookie', cookie).expect(200);
    const event = await auth.waitForEvent((e) => e.subject === Subjects.SessionRevoked, 'auth.session.revoked');
    const stored = (await auth.events()).length;
    const res = await request(auth.service.app).post('/api/revocations/snapshot').set('Cookie', admin).expect(200);
    expect(res.body).toMatchObject({ seq: expect.any(Number), entries: expect.any(Number), bytes: expect.any(Number) });
    expect(res.body.seq).toBeGreaterThanOrEqual(stored);

    const nc = await connect({ servers: auth.server.url });
    connections.push(nc);
    const set = new RevocationSet();
    const feed = new RevocationFeed({ nc, set, live: false, syncIntervalMs: 100 });
    feed.start();
    await feed.whenCaughtUp();
    await feed.close();
    expect(feed.stats.snapshot).toMatchObject({ loaded: true, seq: res.body.seq });
    if (event.subject !== Subjects.SessionRevoked) throw new Error('not a session revocation');
    expect(set.isRevoked({ sid: event.data.sid, sub: event.data.sub, gen: 0 })).toBe(true);
  });

  it('is refused to a user who is not an admin, and answers 409 when snapshots are off', async () => {
    const { cookie } = await auth.signup('curious@example.com');
    await request(auth.service.app).post('/api/revocations/snapshot').set('Cookie', cookie).expect(403);
    const off = await startTestAuth({ env: { REVOCATION_SNAPSHOT_EVERY: '0' }, server: auth.server });
    try {
      const adminOff = (await off.signup(ADMIN_EMAIL)).cookie;
      const res = await request(off.service.app).post('/api/revocations/snapshot').set('Cookie', adminOff);
      expect(res.status).toBe(409);
    } finally {
      await off.stop();
    }
  });
});
