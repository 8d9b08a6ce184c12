import request from 'supertest';
import { Subjects } from '@authbus/common';
import { startTestIdentityProvider, type TestIdentityProvider } from '@authbus/common/testing';
import { startTestAuth, type TestAuth } from '../support/test-auth';

const CLIENT_ID = 'authbus-client';

describe('POST /api/oidc/backchannel-logout', () => {
  let idp: TestIdentityProvider;
  let auth: TestAuth;

  beforeAll(async () => {
    idp = await startTestIdentityProvider();
    auth = await startTestAuth({
      env: {
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID: CLIENT_ID,
        OIDC_JWKS_URI: idp.jwksUri,
        OIDC_ID_PREFIX: 'kc:',
        OIDC_MAX_TOKEN_LIFETIME: '30m',
      },
    });
  });

  afterAll(async () => {
    await auth?.stop();
    await idp?.stop();
  });

  const post = (token: string) =>
    request(auth.service.app).post('/api/oidc/backchannel-logout').type('form').send({ logout_token: token });

  it('publishes auth.session.revoked for the prefixed sid, until now + the provider’s token lifetime + tolerance', async () => {
    await post(idp.logoutToken(CLIENT_ID, { sid: 's-1', sub: 'u-1' }))
      .expect(200)
      .expect('Cache-Control', 'no-store');
    const event = await auth.waitForEvent(
      (e) => e.subject === Subjects.SessionRevoked && e.data.sid === 'kc:s-1',
      'the session revocation',
    );
    expect(event.data).toMatchObject({ sid: 'kc:s-1', sub: 'kc:u-1', reason: 'idp-logout' });
    const nowSeconds = Math.floor(auth.clock.now() / 1000);
    expect((event.data as { until: number }).until).toBe(nowSeconds + 30 * 60 + 5);
  });

  it('publishes a user cut-off below the logout token’s iat + 1 for a logout by sub only', async () => {
    const iat = Math.floor(auth.clock.now() / 1000) - 3;
    await post(idp.logoutToken(CLIENT_ID, { sub: 'u-2', iat })).expect(200);
    const event = await auth.waitForEvent(
      (e) => e.subject === Subjects.UserSessionsRevoked && e.data.sub === 'kc:u-2',
      'the user cut-off',
    );
    expect(event.data).toMatchObject({
      sub: 'kc:u-2',
      reason: 'idp-logout',
      belowGeneration: iat + 1,
      revokedBefore: iat,
    });
  });

  it('answers 503 temporarily_unavailable while the provider’s JWKS cannot be fetched, and accepts the token after', async () => {
    // A replica that has not fetched the keys yet (a restart while the provider is unreachable).
    const fresh = await startTestAuth({
      server: auth.server,
      env: { OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: CLIENT_ID, OIDC_JWKS_URI: idp.jwksUri },
    });
    try {
      const token = idp.logoutToken(CLIENT_ID, { sid: 's-3' });
      idp.setJwksDown(true);
      const res = await request(fresh.service.app)
        .post('/api/oidc/backchannel-logout')
        .type('form')
        .send({ logout_token: token })
        .expect(503)
        .expect('Cache-Control', 'no-store');
      expect(res.body).toMatchObject({ error: 'temporarily_unavailable' });
      idp.setJwksDown(false);
      // Not acted on, so not remembered as used: the provider may send it again.
      await request(fresh.service.app)
        .post('/api/oidc/backchannel-logout')
        .type('form')
        .send({ logout_token: token })
        .expect(200);
    } finally {
      idp.setJwksDown(false);
      await fresh.stop();
    }
  });

  it('is a 404 when no identity provider is configured', async () => {
    const plain = await startTestAuth({ server: auth.server });
    try {
      await request(plain.service.app)
        .post('/api/oidc/backchannel-logout')
        .type('form')
        .send({ logout_token: 'x' })
        .expect(404);
    } finally {
      await plain.stop();
    }
  });
});
