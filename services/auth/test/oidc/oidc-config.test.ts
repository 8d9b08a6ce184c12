import { TEST_JWT_SECRET } from '@authbus/common/testing';
import { loadConfig, type AuthEnv } from '../../src/config';

const base: AuthEnv = { NODE_ENV: 'test', JWT_KEY: TEST_JWT_SECRET };
const oidc: AuthEnv = {
  ...base,
  OIDC_ISSUER: 'https://idp.example.com/realms/main',
  OIDC_CLIENT_ID: 'authbus',
  OIDC_JWKS_URI: 'https://idp.example.com/realms/main/protocol/openid-connect/certs',
};

describe('back-channel logout configuration', () => {
  it('is off without OIDC_ISSUER, and refuses its other variables alone', () => {
    expect(loadConfig(base).oidc).toBeUndefined();
    expect(() => loadConfig({ ...base, OIDC_CLIENT_ID: 'x' })).toThrow(/OIDC_ISSUER is not/);
  });

  it('reads the provider with its defaults', () => {
    expect(loadConfig(oidc).oidc).toEqual({
      issuer: oidc.OIDC_ISSUER,
      clientId: 'authbus',
      jwksUri: oidc.OIDC_JWKS_URI,
      algorithms: ['RS256', 'ES256'],
      idPrefix: 'oidc:',
      maxTokenLifetimeSeconds: 3600,
      logoutTokenMaxAgeSeconds: 300,
      replayCacheSize: 100_000,
    });
  });

  it('refuses a missing client id or JWKS, alg none, and a prefix that could collide', () => {
    expect(() => loadConfig({ ...oidc, OIDC_CLIENT_ID: '' })).toThrow(/OIDC_CLIENT_ID/);
    expect(() => loadConfig({ ...oidc, OIDC_JWKS_URI: undefined })).toThrow(/OIDC_JWKS_URI must be set/);
    expect(() => loadConfig({ ...oidc, OIDC_ALGORITHMS: 'RS256,none' })).toThrow(/"none" is not one of/);
    expect(() => loadConfig({ ...oidc, OIDC_ID_PREFIX: 'kc' })).toThrow(/OIDC_ID_PREFIX/);
  });

  it('keeps the stream long enough for the provider’s longest token lifetime', () => {
    expect(() => loadConfig({ ...oidc, OIDC_MAX_TOKEN_LIFETIME: '2h', AUTH_STREAM_MAX_AGE: '1h' })).toThrow(
      /AUTH_STREAM_MAX_AGE must be at least/,
    );
    expect(loadConfig({ ...oidc, OIDC_MAX_TOKEN_LIFETIME: '2h' }).streamMaxAgeMs).toBeGreaterThanOrEqual(2 * 3600_000);
  });
});
