import express from 'express';
import request from 'supertest';
import {
  createAuthKit,
  createKeyRing,
  type AuthKit,
  type AuthKitOptions,
  type JwtKey,
  type KeyRing,
  type KeySpec,
} from '@authbus/common';
import { encodeSessionCookieValue } from '@authbus/common/issuer';
import {
  sessionCookieHeader,
  signTestToken,
  startAuthBus,
  testKeyRing,
  testSessionCookie,
  waitFor,
  type AuthBus,
} from '@authbus/common/testing';

const keyRing = testKeyRing();

/** A key ring whose keys can be withdrawn while the kit runs, and says so (`onKeyRemoved`). */
class WithdrawableKeyRing implements KeyRing {
  private ring: KeyRing;
  private readonly listeners = new Set<(kid: string) => void>();

  constructor(private specs: KeySpec[]) {
    this.ring = createKeyRing({ keys: specs });
  }

  get activeKid(): string | undefined {
    return this.ring.activeKid;
  }
  get kids(): readonly string[] {
    return this.ring.kids;
  }
  get keys(): readonly JwtKey[] {
    return this.ring.keys;
  }
  key(kid: string): JwtKey | undefined {
    return this.ring.key(kid);
  }
  select(header: { kid?: string | undefined; alg: string }): JwtKey {
    return this.ring.select(header);
  }
  signer(): JwtKey {
    return this.ring.signer();
  }
  onKeyRemoved(listener: (kid: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  withdraw(kid: string): void {
    this.specs = this.specs.filter((s) => s.kid !== kid);
    this.ring = createKeyRing({ keys: this.specs });
    for (const listener of this.listeners) listener(kid);
  }
  /** A ring that signs with `kid` (what the auth service would hold). */
  signerFor(kid: string): KeyRing {
    return createKeyRing({ keys: this.specs.filter((s) => s.kid === kid) });
  }
}

/** Keys `k1` and `k2`, either of which can be withdrawn. */
function twoKeyRing(): WithdrawableKeyRing {
  return new WithdrawableKeyRing([
    { kid: 'k1', secret: 'k1-secret-0123456789abcdef0123456789abcdef' },
    { kid: 'k2', secret: 'k2-secret-0123456789abcdef0123456789abcdef' },
  ]);
}

/** The value of one metric sample, by name (and labels), from the kit's registry. */
async function metric(kit: AuthKit, name: string): Promise<number> {
  const text = await kit.metrics.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no metric ${name}`);
  return Number(line.split(' ')[1]);
}

/** The token with the first 4 characters of its signature replaced by `n` (base64url): a wrong signature. */
function withBadSignature(token: string, n: number): string {
  const start = token.lastIndexOf('.') + 1;
  const bytes = Buffer.alloc(3);
  bytes.writeUIntBE(n % 0xffffff, 0, 3);
  let prefix = bytes.toString('base64url');
  if (token.startsWith(prefix, start)) prefix = prefix === 'AAAA' ? 'BBBB' : 'AAAA';
  return token.slice(0, start) + prefix + token.slice(start + 4);
}

describe('the verified-token cache', () => {
  let bus: AuthBus;
  const kits: AuthKit[] = [];

  beforeAll(async () => {
    bus = await startAuthBus();
  });

  afterAll(async () => {
    for (const kit of kits.splice(0)) await kit.close();
    await bus.stop();
  });

  async function readyKit(options: Partial<AuthKitOptions> = {}): Promise<AuthKit> {
    const kit = createAuthKit({ keyRing, nats: { servers: bus.url }, revocation: { syncIntervalMs: 100 }, ...options });
    kits.push(kit);
    await kit.whenReady();
    return kit;
  }

  it('verifies a token once and then answers from the cache, with frozen claims', async () => {
    const kit = await readyKit();
    const { token, claims } = signTestToken({ roles: ['user'] }, keyRing);
    const first = kit.authenticate(token);
    const second = kit.authenticate(token);
    expect(second).toBe(first);
    expect(second).toMatchObject(claims);
    expect(Object.isFrozen(second)).toBe(true);
    expect(Object.isFrozen(second.roles)).toBe(true);
    expect(await metric(kit, 'authbus_token_cache_misses_total')).toBe(1);
    expect(await metric(kit, 'authbus_token_cache_hits_total')).toBe(1);
    expect(await metric(kit, 'authbus_token_cache_entries')).toBe(1);
    expect(await metric(kit, 'authbus_token_cache_bytes')).toBeGreaterThan(token.length);
  });

  it('refuses a cached token as soon as its session is revoked', async () => {
    const kit = await readyKit();
    const { token, claims } = signTestToken({}, keyRing);
    kit.authenticate(token);
    kit.authenticate(token);
    await bus.revokeSession(claims);
    await waitFor(() => kit.revocations.isRevoked(claims), { description: 'the revocation applied' });
    expect(() => kit.authenticate(token)).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_REVOKED' }));
    // Refused from the cache: the entry is still there, the check after it refused it.
    expect(await metric(kit, 'authbus_token_cache_hits_total')).toBe(2);
    expect(await metric(kit, 'authbus_token_cache_entries')).toBe(1);
  });

  it('refuses a cached token of a user cut off (ban, sign-out everywhere) below its generation', async () => {
    const kit = await readyKit();
    const { token, claims } = signTestToken({ gen: 0 }, keyRing);
    kit.authenticate(token);
    await bus.revokeUser(claims, 1);
    await waitFor(() => kit.revocations.isRevoked(claims), { description: 'the cut-off applied' });
    expect(() => kit.authenticate(token)).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_REVOKED' }));
  });

  it('refuses a cached token once it expires (exp plus the clock tolerance)', async () => {
    let now = Date.now();
    const kit = await readyKit({ token: { now: () => now, clockToleranceSeconds: 5 } });
    const { token, claims } = signTestToken({}, keyRing, { ttlSeconds: 60, now: () => now });
    kit.authenticate(token);
    now = (claims.exp + 4) * 1000;
    expect(kit.authenticate(token)).toMatchObject({ jti: claims.jti });
    now = (claims.exp + 5) * 1000;
    expect(() => kit.authenticate(token)).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_EXPIRED' }));
    expect(await metric(kit, 'authbus_token_cache_hits_total')).toBe(2);
  });

  it('drops the cached tokens of a key the ring withdraws, and only those', async () => {
    const ring = twoKeyRing();
    const kit = await readyKit({ keyRing: ring });
    const old = signTestToken({}, ring.signerFor('k1'));
    const fresh = signTestToken({}, ring.signerFor('k2'));
    kit.authenticate(old.token);
    kit.authenticate(fresh.token);
    expect(await metric(kit, 'authbus_token_cache_entries')).toBe(2);
    ring.withdraw('k1');
    expect(() => kit.authenticate(old.token)).toThrow(expect.objectContaining({ code: 'ERR_KEY_UNKNOWN' }));
    expect(kit.authenticate(fresh.token)).toMatchObject({ jti: fresh.claims.jti });
    expect(await metric(kit, 'authbus_token_cache_entries')).toBe(1);
  });

  /** One route behind `requireAuth` alone, answering the user's sub. */
  function cookieApp(kit: AuthKit) {
    const app = express();
    app.get('/private', kit.requireAuth, (req, res) => {
      res.json({ user: req.currentUser!.sub });
    });
    app.use(kit.errorHandler);
    return app;
  }

  it('refuses a session cookie found in the cache once its token expires (exp plus the tolerance)', async () => {
    let now = Date.now();
    const kit = await readyKit({ token: { now: () => now, clockToleranceSeconds: 5 } });
    const app = cookieApp(kit);
    const { cookie, claims } = testSessionCookie({ sub: 'expiring' }, keyRing, { ttlSeconds: 60, now: () => now });
    await request(app).get('/private').set('Cookie', cookie).expect(200, { user: 'expiring' });
    now = (claims.exp + 4) * 1000;
    await request(app).get('/private').set('Cookie', cookie).expect(200, { user: 'expiring' });
    now = (claims.exp + 5) * 1000;
    const refused = await request(app).get('/private').set('Cookie', cookie).expect(401);
    expect(refused.body.errors[0].code).toBe('ERR_TOKEN_EXPIRED');
    expect(await metric(kit, 'authbus_token_cache_hits_total')).toBe(2);
  });

  it('refuses a session cookie found in the cache once the key that signed it is withdrawn', async () => {
    const ring = twoKeyRing();
    const kit = await readyKit({ keyRing: ring });
    const app = cookieApp(kit);
    const old = testSessionCookie({ sub: 'old-key' }, ring.signerFor('k1'));
    const fresh = testSessionCookie({ sub: 'new-key' }, ring.signerFor('k2'));
    await request(app).get('/private').set('Cookie', old.cookie).expect(200);
    await request(app).get('/private').set('Cookie', fresh.cookie).expect(200);
    ring.withdraw('k1');
    const refused = await request(app).get('/private').set('Cookie', old.cookie).expect(401);
    expect(refused.body.errors[0].code).toBe('ERR_KEY_UNKNOWN');
    await request(app).get('/private').set('Cookie', fresh.cookie).expect(200, { user: 'new-key' });
  });

  it('never answers a tampered session cookie from the cache, however close to a cached one', async () => {
    const kit = await readyKit();
    const app = cookieApp(kit);
    const { token } = signTestToken({ sub: 'victim' }, keyRing);
    const value = encodeSessionCookieValue(token);
    await request(app).get('/private').set('Cookie', `session=${value}`).expect(200, { user: 'victim' });
    const hits = await metric(kit, 'authbus_token_cache_hits_total');
    // The same token's cookie with one character of the signature changed, and the token of
    // another signature in an otherwise identical cookie: each misses, and each is refused.
    const at = value.length - 8;
    const flipped = value.slice(0, at) + (value[at] === 'A' ? 'B' : 'A') + value.slice(at + 1);
    for (const tampered of [flipped, encodeSessionCookieValue(withBadSignature(token, 3))]) {
      const res = await request(app).get('/private').set('Cookie', `session=${tampered}`).expect(401);
      expect(['ERR_TOKEN_INVALID', 'ERR_COOKIE_MALFORMED']).toContain(res.body.errors[0].code);
    }
    expect(await metric(kit, 'authbus_token_cache_hits_total')).toBe(hits);
    expect(await metric(kit, 'authbus_token_cache_entries')).toBe(1);
  });

  it('drops the cached tokens of a kid on kit.dropKey, for rings that cannot tell', async () => {
    const kit = await readyKit();
    for (let i = 0; i < 3; i++) kit.authenticate(signTestToken({}, keyRing).token);
    expect(kit.dropKey('other')).toBe(0);
    expect(kit.dropKey('test')).toBe(3);
    expect(await metric(kit, 'authbus_token_cache_entries')).toBe(0);
  });

  it('never caches a token that fails: a bad signature is refused every time, in full', async () => {
    const kit = await readyKit();
    const { token } = signTestToken({}, keyRing);
    const forged = withBadSignature(token, 1);
    expect(forged).not.toBe(token);
    for (let i = 0; i < 3; i++) {
      expect(() => kit.authenticate(forged)).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_INVALID' }));
    }
    const otherIssuer = signTestToken({}, keyRing, { issuer: 'someone-else' }).token;
    expect(() => kit.authenticate(otherIssuer)).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_INVALID' }));
    expect(await metric(kit, 'authbus_token_cache_misses_total')).toBe(4);
    expect(await metric(kit, 'authbus_token_cache_hits_total')).toBe(0);
    expect(await metric(kit, 'authbus_token_cache_entries')).toBe(0);
  });

  it('cannot be grown without valid signatures: many forged tokens leave it empty', async () => {
    const kit = await readyKit();
    const { token } = signTestToken({}, keyRing);
    for (let i = 0; i < 2000; i++) {
      const forged = signTestToken({}, testKeyRing('an-attackers-secret-0123456789abcdef0123', 'test')).token;
      expect(() => kit.authenticate(i % 2 === 0 ? forged : withBadSignature(token, i))).toThrow();
    }
    expect(await metric(kit, 'authbus_token_cache_entries')).toBe(0);
    expect(await metric(kit, 'authbus_token_cache_bytes')).toBe(0);
  });

  it('stays within its bounds in entries and in bytes, evicting the least recently used', async () => {
    const byEntries = await readyKit({ tokenCache: { maxEntries: 3 } });
    const tokens = Array.from({ length: 5 }, () => signTestToken({}, keyRing).token);
    for (const token of tokens) byEntries.authenticate(token);
    expect(await metric(byEntries, 'authbus_token_cache_entries')).toBe(3);
    expect(await metric(byEntries, 'authbus_token_cache_evictions_total')).toBe(2);

    const entryBytes = 400 + 2 * tokens[0]!.length;
    const byBytes = await readyKit({ tokenCache: { maxBytes: entryBytes * 2 + 1 } });
    for (const token of tokens) byBytes.authenticate(token);
    expect(await metric(byBytes, 'authbus_token_cache_entries')).toBe(2);
    expect(await metric(byBytes, 'authbus_token_cache_bytes')).toBeLessThanOrEqual(entryBytes * 2 + 1);
  });

  it('is off with maxEntries 0: every token verified in full, no cache metrics', async () => {
    const kit = await readyKit({ tokenCache: { maxEntries: 0 } });
    const { token } = signTestToken({}, keyRing);
    expect(kit.authenticate(token)).not.toBe(kit.authenticate(token));
    expect(await kit.metrics.metrics()).not.toMatch(/authbus_token_cache/);
    expect(kit.dropKey('test')).toBe(0);
  });

  it('refuses bounds that are not whole numbers ≥ 0', () => {
    for (const tokenCache of [{ maxEntries: -1 }, { maxBytes: 1.5 }]) {
      expect(() => createAuthKit({ keyRing, nats: { servers: bus.url }, tokenCache })).toThrow(/whole number/);
    }
  });
});

describe('the verified-token cache on the request path', () => {
  let bus: AuthBus;
  let kit: AuthKit;

  beforeAll(async () => {
    bus = await startAuthBus();
    kit = createAuthKit({ keyRing, nats: { servers: bus.url }, revocation: { syncIntervalMs: 100 } });
    await kit.whenReady();
  });

  afterAll(async () => {
    await kit.close();
    await bus.stop();
  });

  /** Only `requireAuth` in front of the route: it authenticates the request itself. */
  function protectedApp() {
    const app = express();
    app.get('/private', kit.requireAuth, (req, res) => {
      res.json({ user: req.currentUser!.sub });
    });
    app.get('/admin', kit.requireRole('admin'), (_req, res) => {
      res.json({ ok: true });
    });
    app.use(kit.errorHandler);
    return app;
  }

  it('finds a session cookie seen before by its value, and refuses it at once once revoked', async () => {
    const app = protectedApp();
    const { cookie, claims } = testSessionCookie({ sub: 'cookie-user' }, keyRing);
    const hitsBefore = await metric(kit, 'authbus_token_cache_hits_total');
    await request(app).get('/private').set('Cookie', cookie).expect(200, { user: 'cookie-user' });
    await request(app).get('/private').set('Cookie', `theme=dark; ${cookie}`).expect(200, { user: 'cookie-user' });
    expect(await metric(kit, 'authbus_token_cache_hits_total')).toBe(hitsBefore + 1);
    await bus.revokeSession(claims);
    await waitFor(() => kit.revocations.isRevoked(claims), { description: 'the revocation applied' });
    const refused = await request(app).get('/private').set('Cookie', cookie).expect(401);
    expect(refused.body.errors[0].code).toBe('ERR_TOKEN_REVOKED');
    expect(await metric(kit, 'authbus_token_cache_hits_total')).toBe(hitsBefore + 2);
  });

  it('never remembers a cookie whose token fails, nor one that is not what authbus writes', async () => {
    const app = protectedApp();
    const { token } = signTestToken({}, keyRing);
    const forged = sessionCookieHeader(withBadSignature(token, 7));
    const entries = await metric(kit, 'authbus_token_cache_entries');
    for (let i = 0; i < 3; i++) {
      const res = await request(app).get('/private').set('Cookie', forged).expect(401);
      expect(res.body.errors[0].code).toBe('ERR_TOKEN_INVALID');
    }
    await request(app).get('/private').set('Cookie', 'session=%%%').expect(401);
    await request(app)
      .get('/private')
      .set('Cookie', `session=${Buffer.from('{}').toString('base64')}`)
      .expect(401);
    expect(await metric(kit, 'authbus_token_cache_entries')).toBe(entries);
  });

  it('lets requireAuth and requireRole alone authenticate, Bearer or cookie', async () => {
    const app = protectedApp();
    const { token } = signTestToken({ sub: 'bearer-user', roles: ['admin'] }, keyRing);
    await request(app).get('/private').set('Authorization', `Bearer ${token}`).expect(200, { user: 'bearer-user' });
    await request(app).get('/admin').set('Cookie', sessionCookieHeader(token)).expect(200, { ok: true });
    const { cookie } = testSessionCookie({ roles: ['user'] }, keyRing);
    const forbidden = await request(app).get('/admin').set('Cookie', cookie).expect(403);
    expect(forbidden.body.errors[0].code).toBe('ERR_FORBIDDEN');
    const anonymous = await request(app).get('/private').expect(401);
    expect(anonymous.body.errors[0].code).toBe('ERR_NOT_AUTHENTICATED');
  });
});
