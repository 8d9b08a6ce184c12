import { TEST_JWT_SECRET } from '@authbus/common/testing';
import { loadConfig } from '../src/config';

describe('loadConfig', () => {
  const base = { JWT_KEY: TEST_JWT_SECRET };

  it('fails fast with a clear message when no signing key is configured', () => {
    expect(() => loadConfig({})).toThrow(/No JWT keys configured: set JWT_KEY/);
  });

  it('refuses a verify-only key ring: the auth service signs', () => {
    expect(() => loadConfig({ JWT_KEYS: `a:${'x'.repeat(40)},b:${'y'.repeat(40)}` })).toThrow(/signs tokens/);
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
      signinLimits: { perIp: 50, perAccount: 10, windowMs: 15 * 60_000 },
    });
    expect(config.streamMaxAgeMs).toBe((900 + 2 * 5) * 1000 + 5 * 60_000);
  });

  it('uses MongoDB when MONGO_URI is set, and reads ADMIN_EMAILS case-insensitively', () => {
    const config = loadConfig({ ...base, MONGO_URI: 'mongodb://db:27017/auth', ADMIN_EMAILS: ' Root@Example.com ,ops@example.com' });
    expect(config.store).toEqual({ kind: 'mongo', uri: 'mongodb://db:27017/auth' });
    expect([...config.adminEmails]).toEqual(['root@example.com', 'ops@example.com']);
  });

  it('turns the Secure cookie flag off under NODE_ENV=test or COOKIE_SECURE=false', () => {
    expect(loadConfig({ ...base, NODE_ENV: 'test' }).cookieSecure).toBe(false);
    expect(loadConfig({ ...base, COOKIE_SECURE: 'false' }).cookieSecure).toBe(false);
    expect(() => loadConfig({ ...base, COOKIE_SECURE: 'maybe' })).toThrow(/COOKIE_SECURE/);
  });

  it('refuses a stream max age shorter than a token lifetime plus tolerance', () => {
    expect(() => loadConfig({ ...base, ACCESS_TOKEN_TTL: '15m', AUTH_STREAM_MAX_AGE: '10m' })).toThrow(/AUTH_STREAM_MAX_AGE must be at least/);
    // A lifetime plus one tolerance is not enough: a late replica still needs the event one more tolerance later.
    expect(() => loadConfig({ ...base, ACCESS_TOKEN_TTL: '60s', JWT_CLOCK_TOLERANCE: '5s', AUTH_STREAM_MAX_AGE: '65s' })).toThrow(/2 × clock tolerance \(70s\)/);
    expect(loadConfig({ ...base, ACCESS_TOKEN_TTL: '60s', JWT_CLOCK_TOLERANCE: '5s', AUTH_STREAM_MAX_AGE: '70s' }).streamMaxAgeMs).toBe(70_000);
  });

  it.each([
    ['PORT', 'eighty'],
    ['ACCESS_TOKEN_TTL', 'soon'],
    ['PASSWORD_SCRYPT_COST', '1000'],
    ['REVOCATION_STALENESS_POLICY', 'sometimes'],
    ['SIGNIN_LIMIT_PER_IP', '-1'],
  ])('names the variable when %s is malformed', (name, value) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(new RegExp(name));
  });
});
