import { authKitOptionsFromEnv, ConfigError, INSTANCE_MEMORY_MS } from '@authbus/common';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_JWT_SECRET, generateServiceKeyPair } from '@authbus/common/testing';

describe('authKitOptionsFromEnv: the revocation mirror', () => {
  const base = { JWT_KEY: TEST_JWT_SECRET };

  it('reads no mirror when neither variable is set: the feed reads AUTH itself', () => {
    expect(authKitOptionsFromEnv('tickets', base).revocation?.mirror).toBeUndefined();
  });

  it('reads REVOCATION_MIRROR_API and REVOCATION_MIRROR_DELIVER together', () => {
    const options = authKitOptionsFromEnv('tickets', {
      ...base,
      REVOCATION_MIRROR_API: '$JS.auth.API',
      REVOCATION_MIRROR_DELIVER: 'deliver.auth.TICKETS',
    });
    expect(options.revocation?.mirror).toEqual({ apiPrefix: '$JS.auth.API', deliverPrefix: 'deliver.auth.TICKETS' });
  });

  it.each([
    [{ REVOCATION_MIRROR_API: '$JS.auth.API' }, /go together/],
    [{ REVOCATION_MIRROR_DELIVER: 'deliver.auth.TICKETS' }, /go together/],
    [
      { REVOCATION_MIRROR_API: '$JS.*.API', REVOCATION_MIRROR_DELIVER: 'deliver.auth.TICKETS' },
      /REVOCATION_MIRROR_API=.*without wildcards/,
    ],
    [
      { REVOCATION_MIRROR_API: '$JS.auth.API', REVOCATION_MIRROR_DELIVER: 'deliver.auth.>' },
      /REVOCATION_MIRROR_DELIVER=.*without wildcards/,
    ],
    [
      { REVOCATION_MIRROR_API: '$JS.auth.API', REVOCATION_MIRROR_DELIVER: 'deliver..TICKETS' },
      /REVOCATION_MIRROR_DELIVER/,
    ],
  ])('refuses %o', (env, message) => {
    expect(() => authKitOptionsFromEnv('tickets', { ...base, ...env })).toThrow(ConfigError);
    expect(() => authKitOptionsFromEnv('tickets', { ...base, ...env })).toThrow(message);
  });
});

describe('authKitOptionsFromEnv: a variable set to nothing is unset', () => {
  it('reads every blank variable as its default, as the services read theirs', () => {
    const blank = {
      JWT_KEY: TEST_JWT_SECRET,
      NATS_URL: '',
      NATS_USER: ' ',
      NATS_PASS: '',
      NATS_INBOX_PREFIX: '',
      REVOCATION_MAX_STALENESS: '',
      REVOCATION_STALENESS_POLICY: '  ',
      REVOCATION_MIRROR_API: '',
      REVOCATION_MIRROR_DELIVER: '',
      JWT_ISSUER: '',
      JWT_AUDIENCE: ' ',
      JWT_CLOCK_TOLERANCE: '',
      JWT_ACTIVE_KID: '',
    };
    const options = authKitOptionsFromEnv('tickets', blank);
    expect(options.nats).toMatchObject({ servers: 'nats://127.0.0.1:4222', inboxPrefix: '_INBOX_tickets' });
    expect(options.nats).not.toHaveProperty('user');
    expect(options.token).toEqual({});
    expect(options.revocation).toEqual({ maxStalenessMs: 30_000, stalenessPolicy: 'closed' });
  });
});

describe('authKitOptionsFromEnv: the verified-token cache', () => {
  const base = { JWT_KEY: TEST_JWT_SECRET };

  it('leaves the bounds to their defaults when unset or blank', () => {
    expect(authKitOptionsFromEnv('tickets', base).tokenCache).toEqual({});
    expect(authKitOptionsFromEnv('tickets', { ...base, TOKEN_CACHE_ENTRIES: ' ' }).tokenCache).toEqual({});
  });

  it('reads TOKEN_CACHE_ENTRIES (0 turns the cache off) and TOKEN_CACHE_BYTES', () => {
    expect(
      authKitOptionsFromEnv('tickets', { ...base, TOKEN_CACHE_ENTRIES: '0', TOKEN_CACHE_BYTES: '1048576' }).tokenCache,
    ).toEqual({ maxEntries: 0, maxBytes: 1_048_576 });
  });

  it.each(['-1', '1.5', '10k', '1e3'])('refuses TOKEN_CACHE_ENTRIES=%s', (value) => {
    expect(() => authKitOptionsFromEnv('tickets', { ...base, TOKEN_CACHE_ENTRIES: value })).toThrow(
      /TOKEN_CACHE_ENTRIES must be a whole number/,
    );
  });
});

describe('authKitOptionsFromEnv: NATS_PING_INTERVAL', () => {
  const base = { JWT_KEY: TEST_JWT_SECRET };
  const nats = (env: Record<string, string>) => authKitOptionsFromEnv('auth', { ...base, ...env }).nats;

  it('leaves the default to connectNats when unset', () => {
    expect(nats({})).not.toHaveProperty('pingIntervalMs');
  });

  it('reads a duration', () => {
    expect(nats({ NATS_PING_INTERVAL: '500ms' })).toMatchObject({ pingIntervalMs: 500 });
  });

  it.each(['50ms', '10m', 'often'])('refuses %s', (value) => {
    expect(() => nats({ NATS_PING_INTERVAL: value })).toThrow(/NATS_PING_INTERVAL/);
  });
});

describe('authKitOptionsFromEnv: REVOCATION_SILENT_MEMORY', () => {
  const base = { JWT_KEY: TEST_JWT_SECRET };
  const revocation = (env: Record<string, string>) => authKitOptionsFromEnv('tickets', { ...base, ...env }).revocation;

  it('leaves the default (INSTANCE_MEMORY_MS, two minutes) to the feed when unset or blank', () => {
    expect(INSTANCE_MEMORY_MS).toBe(120_000);
    expect(revocation({})).not.toHaveProperty('silentMemoryMs');
    expect(revocation({ REVOCATION_SILENT_MEMORY: '' })).not.toHaveProperty('silentMemoryMs');
  });

  it('reads a duration', () => {
    expect(revocation({ REVOCATION_SILENT_MEMORY: '10s' })).toMatchObject({ silentMemoryMs: 10_000 });
  });

  it.each(['500ms', '25h', 'long'])('refuses %s', (value) => {
    expect(() => revocation({ REVOCATION_SILENT_MEMORY: value })).toThrow(/REVOCATION_SILENT_MEMORY/);
  });
});

describe('authKitOptionsFromEnv: service identity', () => {
  const base = { JWT_KEY: TEST_JWT_SECRET };

  it('names the service, and with SERVICE_PRIVATE_KEY (or _FILE) gets tokens from AUTH_URL’s token endpoint', () => {
    expect(authKitOptionsFromEnv('tickets', base).service).toEqual({ name: 'tickets' });
    const { privatePem } = generateServiceKeyPair('tickets');
    expect(
      authKitOptionsFromEnv('tickets', { ...base, SERVICE_PRIVATE_KEY: privatePem }).service?.tokenSource,
    ).toBeDefined();
    const escaped = privatePem.replace(/\n/g, '\\n');
    expect(
      authKitOptionsFromEnv('tickets', { ...base, SERVICE_PRIVATE_KEY: escaped }).service?.tokenSource,
    ).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'authbus-key-'));
    try {
      writeFileSync(join(dir, 'key.pem'), privatePem);
      const file = { ...base, SERVICE_PRIVATE_KEY_FILE: join(dir, 'key.pem'), AUTH_URL: 'http://auth:3001' };
      expect(authKitOptionsFromEnv('tickets', file).service?.tokenSource).toBeDefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // A name that cannot be an audience gets no service identity (and accepts no service token).
    expect(authKitOptionsFromEnv('Tickets_v2', base).service).toBeUndefined();
  });

  it('refuses both key variables, an unreadable file, a key that is not P-256, a bad AUTH_URL', () => {
    const { privatePem } = generateServiceKeyPair('tickets');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' });
    const bad: Record<string, string>[] = [
      { SERVICE_PRIVATE_KEY: privatePem, SERVICE_PRIVATE_KEY_FILE: '/nope' },
      { SERVICE_PRIVATE_KEY_FILE: '/nonexistent/key.pem' },
      { SERVICE_PRIVATE_KEY: rsa.toString() },
      { SERVICE_PRIVATE_KEY: 'not a key' },
      { SERVICE_PRIVATE_KEY: privatePem, AUTH_URL: 'not a url' },
    ];
    for (const env of bad) expect(() => authKitOptionsFromEnv('tickets', { ...base, ...env })).toThrow(ConfigError);
  });
});
