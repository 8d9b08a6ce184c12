import { authKitOptionsFromEnv, ConfigError } from '@authbus/common';
import { TEST_JWT_SECRET } from '@authbus/common/testing';

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
