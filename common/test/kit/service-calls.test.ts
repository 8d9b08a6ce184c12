import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import {
  createAuthKit,
  Subjects,
  type AuthKit,
  type IssuedToken,
  type ServiceRevokedEvent,
  type ServiceTokenSource,
} from '@authbus/common';
import { createEnvelope, publishEnvelope, signServiceToken } from '@authbus/common/issuer';
import { startAuthBus, testKeyRing, testSessionCookie, waitFor, type AuthBus } from '@authbus/common/testing';

/** A token source that hands out numbered tokens and counts what it was asked. */
class CountingSource implements ServiceTokenSource {
  asked: string[] = [];
  lifetimeMs = 60_000;
  failNext = false;
  private n = 0;

  async clientCredentials(audience: readonly string[]): Promise<IssuedToken> {
    return this.issue(`own ${audience.join(' ')}`);
  }

  async exchange(subjectToken: string, audience: string): Promise<IssuedToken> {
    return this.issue(`exchange ${audience} ${subjectToken.slice(-8)}`);
  }

  private async issue(what: string): Promise<IssuedToken> {
    this.asked.push(what);
    if (this.failNext) {
      this.failNext = false;
      throw new Error('token endpoint down');
    }
    return { token: `token-${++this.n}`, expiresAt: Date.now() + this.lifetimeMs };
  }
}

describe('kit.fetchAsService and kit.fetchOnBehalf', () => {
  const keyRing = testKeyRing();
  let bus: AuthBus;
  let kit: AuthKit;
  let source: CountingSource;
  let callee: Server;
  let calleeUrl: string;
  let app: express.Express;

  beforeAll(async () => {
    bus = await startAuthBus({ maxAgeMs: 3600_000 });
    // The callee answers with the Authorization header it got.
    const echo = express().all('/{*any}', (req, res) => res.json({ authorization: req.headers.authorization ?? null }));
    callee = await new Promise<Server>((resolve) => {
      const s = echo.listen(0, '127.0.0.1', () => resolve(s));
    });
    calleeUrl = `http://127.0.0.1:${(callee.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    callee.closeAllConnections();
    await new Promise((resolve) => callee.close(resolve));
    await bus.stop();
  });
  beforeEach(async () => {
    source = new CountingSource();
    kit = createAuthKit({
      keyRing,
      nats: { servers: bus.server.url },
      revocation: { syncIntervalMs: 100 },
      service: { name: 'tickets', tokenSource: source },
    });
    await kit.whenReady();
    app = express()
      .use(kit.currentUser)
      .get('/as-service', async (_req, res) => {
        res.json(await (await kit.fetchAsService(`${calleeUrl}/x`, { audience: 'orders' })).json());
      })
      .get('/on-behalf', async (req, res, next) => {
        try {
          res.json(await (await kit.fetchOnBehalf(req, `${calleeUrl}/x`, { audience: 'orders' })).json());
        } catch (err) {
          next(err);
        }
      })
      .use(kit.errorHandler);
  });
  afterEach(async () => {
    await kit.close();
  });

  it('obtains a service token once, reuses it, and shares one request between concurrent calls', async () => {
    const answers = await Promise.all([1, 2, 3].map(() => request(app).get('/as-service').expect(200)));
    expect(answers.map((a) => a.body.authorization)).toEqual(['Bearer token-1', 'Bearer token-1', 'Bearer token-1']);
    await request(app).get('/as-service').expect(200, { authorization: 'Bearer token-1' });
    expect(source.asked).toEqual(['own orders']);
    expect(await kit.metrics.getSingleMetricAsString('authbus_service_token_requests_total')).toMatch(
      /grant="client_credentials",result="ok"} 1/,
    );
  });

  it('renews a token before it expires, and does not keep a failed request', async () => {
    source.lifetimeMs = 1000; // renewed once less than a fifth of it is left
    await request(app).get('/as-service').expect(200, { authorization: 'Bearer token-1' });
    await waitFor(async () => (await request(app).get('/as-service')).body.authorization === 'Bearer token-2', {
      description: 'a renewed token',
    });
    source.lifetimeMs = 60_000;
    source.failNext = true;
    await waitFor(async () => (await request(app).get('/as-service')).status === 500, {
      description: 'a failed renewal',
    });
    await request(app).get('/as-service').expect(200);
    expect(source.asked.length).toBeGreaterThanOrEqual(4);
  });

  it('exchanges the user’s token, once per user and audience; refuses anonymous and service callers', async () => {
    const ada = testSessionCookie({ sub: 'ada' }).cookie;
    const bob = testSessionCookie({ sub: 'bob' }).cookie;
    await request(app).get('/on-behalf').set('Cookie', ada).expect(200, { authorization: 'Bearer token-1' });
    await request(app).get('/on-behalf').set('Cookie', ada).expect(200, { authorization: 'Bearer token-1' });
    await request(app).get('/on-behalf').set('Cookie', bob).expect(200, { authorization: 'Bearer token-2' });
    expect(source.asked.filter((a) => a.startsWith('exchange orders'))).toHaveLength(2);
    await request(app).get('/on-behalf').expect(401);
    const service = signServiceToken({ service: 'auth', credential: 'c', audience: ['tickets'] }, keyRing).token;
    await request(app).get('/on-behalf').set('Authorization', `Bearer ${service}`).expect(401);
  });

  it('forgets its tokens when its own credential is revoked', async () => {
    await request(app).get('/as-service').expect(200, { authorization: 'Bearer token-1' });
    await publishEnvelope(
      bus.nc.jetstream(),
      createEnvelope<ServiceRevokedEvent>(Subjects.ServiceRevoked, {
        service: 'tickets',
        credential: 'old',
        reason: 'rotated',
        revokedAt: new Date().toISOString(),
        until: Math.floor(Date.now() / 1000) + 600,
      }),
    );
    await waitFor(() => kit.revocations.isCredentialRevoked('tickets', 'old'), { description: 'revocation applied' });
    await request(app).get('/as-service').expect(200, { authorization: 'Bearer token-2' });
  });

  it('without a token source, says how to give the service a credential', async () => {
    const bare = createAuthKit({ keyRing, nats: { servers: bus.server.url }, service: { name: 'tickets' } });
    try {
      await expect(bare.fetchAsService(`${calleeUrl}/x`, { audience: 'orders' })).rejects.toThrow(
        /SERVICE_PRIVATE_KEY/,
      );
    } finally {
      await bare.close();
    }
  });
});
