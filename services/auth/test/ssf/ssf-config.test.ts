import { generateKeyPairSync } from 'node:crypto';
import { TEST_JWT_SECRET } from '@authbus/common/testing';
import { loadConfig, type AuthEnv } from '../../src/config';

const pem = String(
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
);
const env: AuthEnv = {
  NODE_ENV: 'test',
  JWT_PRIVATE_KEY: pem,
  JWT_ACTIVE_KID: 'es-1',
  SSF_ISSUER: 'https://auth.example.com',
  SSF_JWKS_URI: 'https://auth.example.com/.well-known/jwks.json',
  SSF_RECEIVERS: JSON.stringify([{ name: 'crm', endpoint: 'https://crm.example.com/ssf', audience: 'crm' }]),
};

describe('SET transmitter configuration', () => {
  it('is off without SSF_ISSUER, and refuses receivers without it', () => {
    expect(loadConfig({ NODE_ENV: 'test', JWT_KEY: TEST_JWT_SECRET }).ssf).toBeUndefined();
    expect(() => loadConfig({ ...env, SSF_ISSUER: undefined })).toThrow(/SSF_ISSUER is not/);
  });

  it('reads the receivers with their defaults', () => {
    expect(loadConfig(env).ssf).toEqual({
      issuer: 'https://auth.example.com',
      jwksUri: 'https://auth.example.com/.well-known/jwks.json',
      receivers: [{ name: 'crm', endpoint: 'https://crm.example.com/ssf', audience: 'crm' }],
      pushTimeoutMs: 5000,
      maxRetryDelayMs: 60_000,
    });
  });

  it('refuses an HS256 signing key: receivers verify SETs with a published public key', () => {
    expect(() =>
      loadConfig({ ...env, JWT_PRIVATE_KEY: undefined, JWT_ACTIVE_KID: undefined, JWT_KEY: TEST_JWT_SECRET }),
    ).toThrow(/ES256 or RS256/);
  });

  it('refuses malformed receivers, naming what is wrong', () => {
    const receivers = (value: unknown) => loadConfig({ ...env, SSF_RECEIVERS: JSON.stringify(value) });
    expect(() => loadConfig({ ...env, SSF_RECEIVERS: 'crm=https://x' })).toThrow(/not JSON/);
    expect(() => receivers({})).toThrow(/JSON array/);
    expect(() => receivers([{ name: 'a b', endpoint: 'https://x', audience: 'x' }])).toThrow(/name/);
    expect(() => receivers([{ name: 'a', endpoint: 'ftp://x', audience: 'x' }])).toThrow(/endpoint/);
    expect(() => receivers([{ name: 'a', endpoint: 'https://x' }])).toThrow(/audience/);
    expect(() =>
      receivers([
        { name: 'a', endpoint: 'https://x', audience: 'x' },
        { name: 'a', endpoint: 'https://y', audience: 'y' },
      ]),
    ).toThrow(/twice/);
    expect(() => loadConfig({ ...env, SSF_JWKS_URI: undefined })).toThrow(/SSF_JWKS_URI must be set/);
  });
});
