import { generateKeyPairSync } from 'node:crypto';
import { createAuthKit, createKeyRing, KeyUnknownError, Subjects, type AuthKit } from '@authbus/common';
import { testKeyRing, tokenOfCookie, waitFor } from '@authbus/common/testing';
import { startTestAuth, type TestAuth } from '../support/test-auth';

describe('keys pushed over NATS: auth publishes its key set, every kit follows it', () => {
  let auth: TestAuth;
  const kits: AuthKit[] = [];

  beforeAll(async () => {
    auth = await startTestAuth({
      env: {
        JWT_KEY: '',
        JWT_PRIVATE_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .privateKey.export({ format: 'pem', type: 'pkcs8' })
          .toString(),
        JWT_ACTIVE_KID: 'es-1',
      },
    });
  });

  afterAll(async () => {
    for (const kit of kits) await kit.close();
    await auth.stop();
  });

  const readerKit = (): AuthKit => {
    // Configured with an unrelated key only: everything else it knows comes from the bus.
    const kit = createAuthKit({
      keyRing: testKeyRing(undefined, 'configured'),
      nats: { servers: auth.server.url },
      token: { now: auth.clock.now },
      revocation: { syncIntervalMs: 100 },
    });
    kits.push(kit);
    return kit;
  };

  it('publishes the public key set on auth.keys.updated once its feed has caught up', async () => {
    const event = await auth.waitForEvent((e) => e.subject === Subjects.KeySetUpdated, 'auth.keys.updated');
    expect(event.data).toMatchObject({ keys: [{ kid: 'es-1', kty: 'EC', alg: 'ES256', use: 'sig' }], withdrawn: [] });
    expect(JSON.stringify(event)).not.toMatch(/"d":/);
  });

  it('a kit started later has the keys from the stream before it is ready, besides its configured ones', async () => {
    const { cookie, id } = await auth.signup('feed@example.com');
    const kit = readerKit();
    await kit.whenReady();
    expect(kit.keyRing.kids).toEqual(['configured', 'es-1']);
    expect(kit.authenticate(tokenOfCookie(cookie)).sub).toBe(id);
  });

  it('a running kit learns a key published while it runs, without a restart', async () => {
    const kit = readerKit();
    await kit.whenReady();
    const ring = auth.service.ctx.keyRing;
    const k2 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    ring.add(createKeyRing({ keys: [{ kid: 'es-2', privateKey: k2 }] }).keys[0]!);
    await auth.service.ctx.keySets.publish();
    await waitFor(() => kit.keyRing.key('es-2'), { description: 'es-2 to reach the running kit' });
    expect(() => kit.keyRing.select({ kid: 'es-3', alg: 'ES256' })).toThrow(KeyUnknownError);
  });
});
