import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createAuthKit, Subjects, type AuthKit } from '@authbus/common';
import { testKeyRing, tokenOfCookie, waitFor } from '@authbus/common/testing';
import { ADMIN_EMAIL, startTestAuth, type TestAuth } from '../support/test-auth';

const kidOf = (cookie: string): string =>
  (JSON.parse(Buffer.from(tokenOfCookie(cookie).split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;

describe('key rotation and withdrawal (admin)', () => {
  let auth: TestAuth;
  let admin: string;
  let reader: AuthKit;

  beforeAll(async () => {
    auth = await startTestAuth({
      env: { KEY_PUBLISH_AHEAD: '300ms', KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64') },
    });
    admin = (await auth.signup(ADMIN_EMAIL)).cookie;
    // A verifier configured with the HS256 key only, as tickets is: it learns the rest from the bus.
    reader = createAuthKit({
      keyRing: testKeyRing(undefined, 'default'),
      nats: { servers: auth.server.url },
      token: { now: auth.clock.now },
      revocation: { syncIntervalMs: 100 },
    });
    await reader.whenReady();
  });

  afterAll(async () => {
    await reader.close();
    await auth.stop();
  });

  const keys = async () =>
    (await request(auth.service.app).get('/api/keys').set('Cookie', admin).expect(200)).body.keys as Array<{
      kid: string;
      state: string;
      alg: string;
    }>;

  it('rotates: the new ES256 key is published at once, signs only after the publish-ahead delay, the old one retires', async () => {
    const before = await auth.signup('before@example.com');
    expect(kidOf(before.cookie)).toBe('default');
    const res = await request(auth.service.app).post('/api/keys/rotate').set('Cookie', admin).expect(200);
    const { kid, activatesAt } = res.body as { kid: string; activatesAt: string };
    expect(Date.parse(activatesAt)).toBeGreaterThan(Date.now());
    // Published at once: in the JWKS, on the bus, in every key ring; not signing yet.
    const jwks = JSON.parse((await request(auth.service.app).get('/.well-known/jwks.json')).text) as {
      keys: Array<{ kid: string; alg: string }>;
    };
    expect(jwks.keys).toEqual([expect.objectContaining({ kid, alg: 'ES256', use: 'sig' })]);
    await waitFor(() => reader.keyRing.key(kid), { description: 'the new key to reach the reader' });
    expect((await keys()).find((k) => k.kid === kid)?.state).toBe('pending');
    // After the delay, sign-ins carry the new kid and verify at the reader.
    const after = await waitFor(
      async () => {
        const { cookie } = await auth.signin('before@example.com');
        return kidOf(cookie) === kid ? cookie : undefined;
      },
      { description: 'sign-ins to be signed with the new key' },
    );
    expect(reader.authenticate(tokenOfCookie(after)).email).toBe('before@example.com');
    // The old token still passes, everywhere, until it expires.
    expect(reader.authenticate(tokenOfCookie(before.cookie)).email).toBe('before@example.com');
    expect(await keys()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kid: 'default', state: 'retiring', alg: 'HS256' }),
        expect.objectContaining({ kid, state: 'active', alg: 'ES256' }),
      ]),
    );
  });

  it('keeps private keys sealed in the store, and off the bus and the JWKS', async () => {
    const stored = await auth.service.store.listKeys();
    const rotated = stored.find((r) => r.source === 'rotation')!;
    expect(rotated.sealedPrivateKey).toMatch(/^v1\./);
    expect(rotated.sealedPrivateKey).not.toMatch(/BEGIN|PRIVATE/);
    const sets = (await auth.events()).filter((e) => e.subject === Subjects.KeySetUpdated);
    expect(JSON.stringify(sets)).not.toMatch(/"d":/);
  });

  it('withdraws the signing key: every token it signed is refused at once, signing moves to a new key', async () => {
    const { cookie } = await auth.signin('before@example.com');
    const withdrawnKid = kidOf(cookie);
    const removed: string[] = [];
    reader.onKeyRemoved((kid, reason) => removed.push(`${kid}:${reason}`));
    const res = await request(auth.service.app).delete(`/api/keys/${withdrawnKid}`).set('Cookie', admin).expect(200);
    expect(res.body).toMatchObject({ kid: withdrawnKid, published: true });
    const signingKid = (res.body as { signingKid: string }).signingKid;
    expect(signingKid).not.toBe(withdrawnKid);
    // Here at once; at the reader within milliseconds of the event.
    expect(
      (await request(auth.service.app).get('/api/users/currentuser').set('Cookie', cookie)).body.currentUser,
    ).toBeNull();
    await waitFor(() => removed.includes(`${withdrawnKid}:withdrawn`), {
      timeoutMs: 2000,
      description: 'the withdrawal to reach the reader',
    });
    expect(() => reader.authenticate(tokenOfCookie(cookie))).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_UNKNOWN' }),
    );
    const next = await auth.signin('before@example.com');
    expect(kidOf(next.cookie)).toBe(signingKid);
    await waitFor(() => reader.keyRing.key(signingKid), { description: 'the new signing key to reach the reader' });
    expect(reader.authenticate(tokenOfCookie(next.cookie)).email).toBe('before@example.com');
    expect((await keys()).find((k) => k.kid === withdrawnKid)?.state).toBe('withdrawn');
  });

  it('withdraws a configured HS256 key (JWT_KEY) from every ring, and answers 404 for an unknown kid', async () => {
    // The admin's token was signed with default, at sign-up, before the rotation.
    expect(kidOf(admin)).toBe('default');
    expect(reader.authenticate(tokenOfCookie(admin)).email).toBe(ADMIN_EMAIL);
    await request(auth.service.app).delete('/api/keys/default').set('Cookie', admin).expect(200);
    await waitFor(() => reader.keyRing.key('default') === undefined, {
      timeoutMs: 2000,
      description: 'default to leave the reader',
    });
    expect(() => reader.authenticate(tokenOfCookie(admin))).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_UNKNOWN' }),
    );
    await request(auth.service.app).get('/api/keys').set('Cookie', admin).expect(401);
    // Tokens of the remaining key still pass.
    admin = (await auth.signin(ADMIN_EMAIL)).cookie;
    expect(reader.authenticate(tokenOfCookie(admin)).email).toBe(ADMIN_EMAIL);
    await request(auth.service.app).delete('/api/keys/default').set('Cookie', admin).expect(200);
    await request(auth.service.app).delete('/api/keys/no-such-kid').set('Cookie', admin).expect(404);
    await request(auth.service.app).delete('/api/keys/..%2F..').set('Cookie', admin).expect(404);
  });

  it('refuses users (403) and anonymous callers (401)', async () => {
    const { cookie } = await auth.signup('plain-keys@example.com');
    await request(auth.service.app).get('/api/keys').set('Cookie', cookie).expect(403);
    await request(auth.service.app).post('/api/keys/rotate').set('Cookie', cookie).expect(403);
    await request(auth.service.app).delete('/api/keys/default').set('Cookie', cookie).expect(403);
    await request(auth.service.app).post('/api/keys/rotate').expect(401);
  });
});
