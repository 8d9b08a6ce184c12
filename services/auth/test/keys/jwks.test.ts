import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import request from 'supertest';
import { keyRingFromJwks, verifyAccessToken } from '@authbus/common';
import { TEST_JWT_SECRET, tokenOfCookie } from '@authbus/common/testing';
import { findPythonJwt, verifyWithPython } from '../support/python-jwt';
import { startTestAuth, type TestAuth } from '../support/test-auth';

const es256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const python = findPythonJwt();

describe('JWKS and OpenID discovery', () => {
  let auth: TestAuth;
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    auth = await startTestAuth({
      env: {
        JWT_KEY: '',
        // An HS256 secret the service also verifies with: it must never be published.
        JWT_KEYS: `hs-old:${TEST_JWT_SECRET}`,
        JWT_PRIVATE_KEY: es256.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        JWT_ACTIVE_KID: 'es-1',
      },
    });
    server = auth.service.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await auth.stop();
  });

  it('serves the public keys only: kty, crv, x, y, kid, alg, use "sig"; no HS256 secret, no private member', async () => {
    const res = await request(auth.service.app).get('/.well-known/jwks.json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/jwk-set\+json/);
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    const { keys } = JSON.parse(res.text) as { keys: Array<Record<string, unknown>> };
    expect(keys).toEqual([
      { kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: 'es-1', alg: 'ES256', use: 'sig' },
    ]);
    expect(res.text).not.toContain(TEST_JWT_SECRET);
    expect(res.text).not.toMatch(/"d"|"k"|hs-old/);
  });

  it('serves an OpenID configuration naming the issuer and the jwks_uri', async () => {
    const res = await request(auth.service.app)
      .get('/.well-known/openid-configuration')
      .set('Host', 'auth.example.com')
      .expect(200);
    expect(res.body).toMatchObject({
      issuer: 'authbus',
      jwks_uri: 'http://auth.example.com/.well-known/jwks.json',
      id_token_signing_alg_values_supported: ['ES256'],
    });
  });

  it("jose's createRemoteJWKSet verifies a signed-in token against the running service", async () => {
    const { cookie, id } = await auth.signup('jose@example.com');
    const token = tokenOfCookie(cookie);
    const jwks = createRemoteJWKSet(new URL(`${baseUrl}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: 'authbus', audience: 'authbus' });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: 'es-1' });
    expect(payload.sub).toBe(id);
  });

  it('a key ring built from the served JWKS document verifies the same token', async () => {
    const { cookie, id } = await auth.signup('ring@example.com');
    const document = JSON.parse((await request(auth.service.app).get('/.well-known/jwks.json')).text) as object;
    const claims = verifyAccessToken(tokenOfCookie(cookie), keyRingFromJwks(document), { now: auth.clock.now });
    expect(claims.sub).toBe(id);
  });

  (python ? it : it.skip)("Python's jwt.PyJWKClient verifies a signed-in token (python3-jwt)", async () => {
    const { cookie, id } = await auth.signup('python@example.com');
    expect(await verifyWithPython(python!, `${baseUrl}/.well-known/jwks.json`, tokenOfCookie(cookie))).toBe(id);
  });
  if (!python)
    console.log('skipping the PyJWKClient check: no python3 with jwt and cryptography (apt-get install python3-jwt)');

  it('lists RS256 keys with n and e', async () => {
    // On a bus of its own: on the same one it would also learn es-1 from the key sets there.
    const rsaAuth = await startTestAuth({
      env: {
        JWT_KEY: '',
        JWT_PRIVATE_KEY: rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        JWT_ACTIVE_KID: 'rs-1',
      },
    });
    try {
      const { keys } = JSON.parse((await request(rsaAuth.service.app).get('/.well-known/jwks.json')).text) as {
        keys: unknown[];
      };
      expect(keys).toEqual([{ kty: 'RSA', n: expect.any(String), e: 'AQAB', kid: 'rs-1', alg: 'RS256', use: 'sig' }]);
    } finally {
      await rsaAuth.stop();
    }
  });

  it('after a withdrawal, jose and PyJWKClient refuse the withdrawn key once they fetch the JWKS again', async () => {
    const { cookie } = await auth.signup('withdrawn@example.com');
    const token = tokenOfCookie(cookie);
    await auth.service.ctx.keys.withdraw('es-1', 'test');
    const { keys } = JSON.parse((await request(auth.service.app).get('/.well-known/jwks.json')).text) as {
      keys: Array<{ kid: string }>;
    };
    expect(keys.map((k) => k.kid)).not.toContain('es-1');
    // A fresh key set (what a refresh after the cache's max-age fetches).
    const jwks = createRemoteJWKSet(new URL(`${baseUrl}/.well-known/jwks.json`));
    await expect(jwtVerify(token, jwks, { issuer: 'authbus', audience: 'authbus' })).rejects.toMatchObject({
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    });
    if (python) {
      await expect(verifyWithPython(python, `${baseUrl}/.well-known/jwks.json`, token)).rejects.toThrow(
        /Unable to find a signing key/,
      );
    }
    // A token of the key signing now still verifies, with both.
    const fresh = tokenOfCookie((await auth.signin('withdrawn@example.com')).cookie);
    expect((await jwtVerify(fresh, jwks, { issuer: 'authbus', audience: 'authbus' })).payload.email).toBe(
      'withdrawn@example.com',
    );
    if (python) expect(await verifyWithPython(python, `${baseUrl}/.well-known/jwks.json`, fresh)).toMatch(/\w/);
  });
});
