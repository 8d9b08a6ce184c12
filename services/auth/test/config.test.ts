import { createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { verifyAccessToken } from '@authbus/common';
import { signAccessToken } from '@authbus/common/issuer';
import { TEST_JWT_SECRET, generateServiceKeyPair } from '@authbus/common/testing';
import { latestExp, revocationHorizon } from '../src/accounts/revocation-times';
import { clockToleranceSeconds, loadConfig, minStreamMaxAgeSeconds } from '../src/config';

describe('loadConfig', () => {
  const base = { JWT_KEY: TEST_JWT_SECRET };

  it('fails fast with a clear message when no signing key is configured', () => {
    expect(() => loadConfig({})).toThrow(/No JWT keys configured: set JWT_KEY/);
  });

  it('refuses a verify-only key ring: the auth service signs', () => {
    expect(() => loadConfig({ JWT_KEYS: `a:${'x'.repeat(40)},b:${'y'.repeat(40)}` })).toThrow(/signs tokens/);
  });

  it('reads SERVICE_KEYS (JWK or PEM, one or several per service), SERVICE_TOKEN_TTL and TICKETS_URL', () => {
    const tickets = generateServiceKeyPair('tickets');
    const orders = [generateServiceKeyPair('orders'), generateServiceKeyPair('orders')];
    const pem = (jwk: JsonWebKey) =>
      createPublicKey({ key: jwk, format: 'jwk' }).export({ format: 'pem', type: 'spki' });
    const config = loadConfig({
      ...base,
      SERVICE_KEYS: JSON.stringify({ tickets: tickets.publicJwk, orders: orders.map((o) => pem(o.publicJwk)) }),
      SERVICE_TOKEN_TTL: '2m',
      TICKETS_URL: 'http://tickets:3002',
    });
    expect([...config.serviceClients.names].sort()).toEqual(['auth', 'orders', 'tickets']);
    expect(config.serviceClients.byCredential(tickets.credential.id)?.service).toBe('tickets');
    expect(config.serviceClients.byCredential(orders[1]!.credential.id)?.service).toBe('orders');
    expect(config.serviceTokenTtlSeconds).toBe(120);
    expect(config.ticketsUrl).toBe('http://tickets:3002');
    expect(loadConfig(base)).toMatchObject({ serviceTokenTtlSeconds: 300, ticketsUrl: undefined });
  });

  it('refuses malformed SERVICE_KEYS and a SERVICE_TOKEN_TTL out of bounds, naming the variable', () => {
    const jwk = generateServiceKeyPair('tickets').publicJwk;
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
    const { privatePem } = generateServiceKeyPair('tickets');
    for (const keys of [
      '{',
      '[]',
      JSON.stringify({ 'Bad Name': jwk }),
      JSON.stringify({ auth: jwk }),
      JSON.stringify({ tickets: rsa }),
      JSON.stringify({ tickets: { ...jwk, d: 'secret' } }),
      JSON.stringify({ tickets: privatePem }),
      JSON.stringify({ tickets: jwk, orders: jwk }),
    ])
      expect(() => loadConfig({ ...base, SERVICE_KEYS: keys })).toThrow(/SERVICE_KEYS/);
    expect(() => loadConfig({ ...base, SERVICE_TOKEN_TTL: '20m' })).toThrow(/not be longer than ACCESS_TOKEN_TTL/);
    expect(loadConfig({ ...base, ACCESS_TOKEN_TTL: '1m' }).serviceTokenTtlSeconds).toBe(60);
    for (const ttl of ['0s', '2h', 'soon'])
      expect(() => loadConfig({ ...base, SERVICE_TOKEN_TTL: ttl })).toThrow(/SERVICE_TOKEN_TTL/);
  });

  it('reads REVOCATION_SILENT_MEMORY as the kit does (default two minutes), and refuses one no revocation could be answered within', () => {
    expect(loadConfig(base).silentMemoryMs).toBe(120_000);
    const config = loadConfig({ ...base, REVOCATION_SILENT_MEMORY: '12s', REVOCATION_MAX_STALENESS: '5s' });
    expect(config.silentMemoryMs).toBe(12_000);
    expect(config.kit.revocation?.silentMemoryMs).toBe(12_000);
    // The fence point is memory − tolerance (5 s) − (1 s interval + 1 s): 8 s leaves 1 s, 7 s nothing.
    expect(loadConfig({ ...base, REVOCATION_SILENT_MEMORY: '8s' }).silentMemoryMs).toBe(8000);
    expect(() => loadConfig({ ...base, REVOCATION_SILENT_MEMORY: '7s' })).toThrow(
      /REVOCATION_SILENT_MEMORY \(7s\) must be longer than the clock tolerance \(5s\) \+ AUTH_HEARTBEAT_INTERVAL \(1s\) \+ 1s/,
    );
    // The staleness bound no longer enters it (the per-revocation rule needs none): 30 s with the default 30 s bound.
    expect(loadConfig({ ...base, REVOCATION_SILENT_MEMORY: '30s' }).silentMemoryMs).toBe(30_000);
    expect(() => loadConfig({ ...base, REVOCATION_SILENT_MEMORY: 'forever' })).toThrow(/REVOCATION_SILENT_MEMORY/);
  });

  it('has sensible defaults', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      port: 3001,
      store: { kind: 'memory' },
      accessTokenTtlSeconds: 900,
      sessionTtlSeconds: 7 * 24 * 3600,
      cookieSecure: true,
      streamReplicas: 1,
      streamRepublish: true,
      signinLimits: { perIp: 50, perAccount: 10, windowMs: 15 * 60_000 },
    });
    expect(config.streamMaxAgeMs).toBe((900 + 2 * 5) * 1000 + 5 * 60_000);
  });

  it('writes the revocation snapshot every 10,000 events or minute by default; REVOCATION_SNAPSHOT_EVERY=0 turns it off', () => {
    expect(loadConfig(base).snapshot).toEqual({ everyEvents: 10_000, intervalMs: 60_000 });
    expect(
      loadConfig({ ...base, REVOCATION_SNAPSHOT_EVERY: '500', REVOCATION_SNAPSHOT_INTERVAL: '10s' }).snapshot,
    ).toEqual({
      everyEvents: 500,
      intervalMs: 10_000,
    });
    expect(loadConfig({ ...base, REVOCATION_SNAPSHOT_EVERY: '0' }).snapshot).toBeUndefined();
    expect(() => loadConfig({ ...base, REVOCATION_SNAPSHOT_EVERY: 'often' })).toThrow(/REVOCATION_SNAPSHOT_EVERY/);
    expect(() => loadConfig({ ...base, REVOCATION_SNAPSHOT_INTERVAL: '500ms' })).toThrow(
      /REVOCATION_SNAPSHOT_INTERVAL/,
    );
  });

  it('uses MongoDB when MONGO_URI is set, and reads ADMIN_EMAILS case-insensitively', () => {
    const config = loadConfig({
      ...base,
      MONGO_URI: 'mongodb://db:27017/auth',
      ADMIN_EMAILS: ' Root@Example.com ,ops@example.com',
    });
    expect(config.store).toEqual({ kind: 'mongo', uri: 'mongodb://db:27017/auth' });
    expect([...config.adminEmails]).toEqual(['root@example.com', 'ops@example.com']);
  });

  it('republishes the stream for the verifiers unless AUTH_STREAM_REPUBLISH=false', () => {
    expect(loadConfig({ ...base, AUTH_STREAM_REPUBLISH: 'false' }).streamRepublish).toBe(false);
    expect(() => loadConfig({ ...base, AUTH_STREAM_REPUBLISH: 'sometimes' })).toThrow(/AUTH_STREAM_REPUBLISH/);
  });

  it('turns the Secure cookie flag off under NODE_ENV=test or COOKIE_SECURE=false', () => {
    expect(loadConfig({ ...base, NODE_ENV: 'test' }).cookieSecure).toBe(false);
    expect(loadConfig({ ...base, COOKIE_SECURE: 'false' }).cookieSecure).toBe(false);
    expect(() => loadConfig({ ...base, COOKIE_SECURE: 'maybe' })).toThrow(/COOKIE_SECURE/);
  });

  it('refuses a stream max age shorter than a token lifetime plus tolerance', () => {
    expect(() => loadConfig({ ...base, ACCESS_TOKEN_TTL: '15m', AUTH_STREAM_MAX_AGE: '10m' })).toThrow(
      /AUTH_STREAM_MAX_AGE must be at least/,
    );
    // A lifetime plus one tolerance is not enough: a late replica still needs the event one more tolerance later.
    expect(() =>
      loadConfig({ ...base, ACCESS_TOKEN_TTL: '60s', JWT_CLOCK_TOLERANCE: '5s', AUTH_STREAM_MAX_AGE: '65s' }),
    ).toThrow(/2 × clock tolerance \(70s\)/);
    expect(
      loadConfig({ ...base, ACCESS_TOKEN_TTL: '60s', JWT_CLOCK_TOLERANCE: '5s', AUTH_STREAM_MAX_AGE: '70s' })
        .streamMaxAgeMs,
    ).toBe(70_000);
  });

  it('JWT_CLOCK_TOLERANCE=1500ms: verification, revocation horizons and the stream bound all use 1.5 s', () => {
    const config = loadConfig({ ...base, ACCESS_TOKEN_TTL: '60s', JWT_CLOCK_TOLERANCE: '1500ms' });
    // Parsed once, by authKitOptionsFromEnv; the auth config reads it from the kit's token options.
    expect(config.kit.token?.clockToleranceSeconds).toBe(1.5);
    expect(clockToleranceSeconds(config)).toBe(1.5);

    // Verification (on its whole-second clock) accepts a token 1 s past its exp, not 2 s as a
    // tolerance rounded to 2 s would.
    const issuedAt = 1_700_000_000_000;
    const { token, claims } = signAccessToken(
      { sub: 'u1', email: 'u1@example.com', roles: ['user'], sid: 's1', gen: 0 },
      config.kit.keyRing,
      {
        ...config.kit.token,
        ttlSeconds: config.accessTokenTtlSeconds,
        now: () => issuedAt,
      },
    );
    const verifyAt = (ms: number) =>
      verifyAccessToken(token, config.kit.keyRing, { ...config.kit.token, now: () => claims.exp * 1000 + ms });
    expect(verifyAt(1999).sub).toBe('u1');
    expect(() => verifyAt(2000)).toThrow(/expired/i);

    // Revocations stop mattering 1.5 s after their until, as verification would have it: at the
    // last moment the token is accepted, a revocation with until = exp still applies…
    const now = claims.exp * 1000 + 1999;
    expect(revocationHorizon(config, now)).toBe(Math.floor(now / 1000) - 1.5);
    expect(revocationHorizon(config, now)).toBeLessThanOrEqual(claims.exp);
    // …an until is whole seconds, the tolerance rounded up so it still covers every token…
    expect(latestExp(config, new Date(issuedAt))).toBe(issuedAt / 1000 + 60 + 2);
    // …and the stream keeps an event as long as a token it refuses is accepted.
    expect(minStreamMaxAgeSeconds(config.accessTokenTtlSeconds, clockToleranceSeconds(config))).toBe(60 + 2 + 1.5);
    expect(config.streamMaxAgeMs).toBe(63_500 + 5 * 60_000);
    expect(() =>
      loadConfig({ ...base, ACCESS_TOKEN_TTL: '60s', JWT_CLOCK_TOLERANCE: '1500ms', AUTH_STREAM_MAX_AGE: '63s' }),
    ).toThrow(/\(63\.5s\)/);
  });

  it('limits sign-ins per address, per account from one address and per account from all, and sign-ups per address', () => {
    const config = loadConfig(base);
    expect(config.signinLimits).toEqual({
      perIp: 50,
      perNetwork: 200,
      perAccount: 10,
      perAccountTotal: 100,
      windowMs: 15 * 60_000,
    });
    expect(config.signupLimits).toEqual({ perIp: 30, perNetwork: 120, windowMs: 15 * 60_000 });
    expect(config.rateLimitStore).toEqual({ kind: 'memory' });
    expect(config.rateLimitKeyPrefix).toBe('authbus');
    const custom = loadConfig({
      ...base,
      SIGNIN_LIMIT_PER_IP: '20',
      SIGNIN_LIMIT_PER_ACCOUNT: '3',
      SIGNIN_LIMIT_PER_ACCOUNT_TOTAL: '30',
      SIGNIN_LIMIT_WINDOW: '1h',
      SIGNIN_LIMIT_PER_NETWORK: '500',
      SIGNUP_LIMIT_PER_IP: '5',
      SIGNUP_LIMIT_WINDOW: '10m',
    });
    expect(custom.signinLimits).toEqual({
      perIp: 20,
      perNetwork: 500,
      perAccount: 3,
      perAccountTotal: 30,
      windowMs: 3600_000,
    });
    // Unset, the account-wide limit takes ten addresses at their own limit.
    expect(loadConfig({ ...base, SIGNIN_LIMIT_PER_ACCOUNT: '100' }).signinLimits.perAccountTotal).toBe(1000);
    expect(custom.signupLimits).toEqual({ perIp: 5, perNetwork: 20, windowMs: 600_000 });
  });

  it('refuses a per-network limit below the per-address one', () => {
    expect(() => loadConfig({ ...base, SIGNUP_LIMIT_PER_IP: '10', SIGNUP_LIMIT_PER_NETWORK: '9' })).toThrow(
      /SIGNUP_LIMIT_PER_NETWORK \(9\) must be at least SIGNUP_LIMIT_PER_IP \(10\)/,
    );
  });

  it('refuses an account-wide limit that one address could reach on its own', () => {
    expect(() => loadConfig({ ...base, SIGNIN_LIMIT_PER_ACCOUNT: '10', SIGNIN_LIMIT_PER_ACCOUNT_TOTAL: '10' })).toThrow(
      /SIGNIN_LIMIT_PER_ACCOUNT_TOTAL \(10\) must be more than SIGNIN_LIMIT_PER_ACCOUNT \(10\)/,
    );
  });

  it('counts limits in memory, in Redis (RATE_LIMIT_STORE=redis or just REDIS_URL) or in the auth MongoDB', () => {
    expect(loadConfig({ ...base, REDIS_URL: 'redis://redis:6379' }).rateLimitStore).toEqual({
      kind: 'redis',
      url: 'redis://redis:6379',
    });
    expect(
      loadConfig({ ...base, RATE_LIMIT_STORE: 'redis', REDIS_URL: 'rediss://u:p@cache:6380/2' }).rateLimitStore,
    ).toEqual({
      kind: 'redis',
      url: 'rediss://u:p@cache:6380/2',
    });
    expect(loadConfig({ ...base, RATE_LIMIT_STORE: 'memory', REDIS_URL: 'redis://redis:6379' }).rateLimitStore).toEqual(
      { kind: 'memory' },
    );
    expect(
      loadConfig({ ...base, RATE_LIMIT_STORE: 'mongo', MONGO_URI: 'mongodb://db:27017/auth' }).rateLimitStore,
    ).toEqual({ kind: 'mongo' });
    expect(() => loadConfig({ ...base, RATE_LIMIT_STORE: 'redis' })).toThrow(/RATE_LIMIT_STORE=redis needs REDIS_URL/);
    expect(() => loadConfig({ ...base, RATE_LIMIT_STORE: 'mongo' })).toThrow(/RATE_LIMIT_STORE=mongo needs MONGO_URI/);
    expect(() => loadConfig({ ...base, REDIS_URL: 'http://redis:6379' })).toThrow(/REDIS_URL/);
    expect(loadConfig({ ...base, RATE_LIMIT_KEY_PREFIX: 'staging_auth' }).rateLimitKeyPrefix).toBe('staging_auth');
  });

  it('trusts X-Forwarded-For from loopback only by default; TRUST_PROXY takes a hop count, addresses, subnets or a boolean', () => {
    expect(loadConfig(base).trustProxy).toBe('loopback');
    expect(loadConfig({ ...base, TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ ...base, TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: 'TRUE' }).trustProxy).toBe(true);
    expect(loadConfig({ ...base, TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::/8, 192.0.2.1' }).trustProxy).toBe(
      'loopback, 10.0.0.0/8, fd00::/8, 192.0.2.1',
    );
    expect(() => loadConfig({ ...base, TRUST_PROXY: 'ingress' })).toThrow(/TRUST_PROXY="ingress": "ingress" is not/);
    expect(() => loadConfig({ ...base, TRUST_PROXY: '10.0.0.0/99' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ ...base, TRUST_PROXY: '11' })).toThrow(/TRUST_PROXY/);
  });

  it.each([
    ['PORT', 'eighty'],
    ['ACCESS_TOKEN_TTL', 'soon'],
    ['PASSWORD_SCRYPT_COST', '1000'],
    ['REVOCATION_STALENESS_POLICY', 'sometimes'],
    ['SIGNIN_LIMIT_PER_IP', '-1'],
    ['SIGNIN_LIMIT_PER_ACCOUNT', '0'],
    ['SIGNIN_LIMIT_PER_ACCOUNT_TOTAL', 'many'],
    ['SIGNIN_LIMIT_WINDOW', '500ms'],
    ['SIGNUP_LIMIT_PER_IP', '1.5'],
    ['SIGNUP_LIMIT_WINDOW', 'soon'],
    ['RATE_LIMIT_STORE', 'etcd'],
    ['RATE_LIMIT_KEY_PREFIX', 'with space'],
  ])('names the variable when %s is malformed', (name, value) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(new RegExp(name));
  });
});
