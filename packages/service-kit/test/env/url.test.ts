import { parseUrl } from '@authbus/service-kit';

describe('parseUrl', () => {
  it('returns the URL as written, or the fallback when unset or blank', () => {
    expect(parseUrl('http://auth:3001', 'AUTH_URL')).toBe('http://auth:3001');
    expect(parseUrl(undefined, 'AUTH_URL', { fallback: 'http://127.0.0.1:3001' })).toBe('http://127.0.0.1:3001');
    expect(parseUrl('', 'AUTH_URL', { fallback: 'http://127.0.0.1:3001' })).toBe('http://127.0.0.1:3001');
  });

  it('refuses what is not a URL, or not one of the schemes asked for', () => {
    expect(() => parseUrl('auth service', 'AUTH_URL')).toThrow(/^AUTH_URL="auth service" is not a URL$/);
    const redis = { protocols: ['redis:', 'rediss:'], example: 'redis://redis:6379' };
    expect(parseUrl('rediss://u:p@cache:6380/2', 'REDIS_URL', redis)).toBe('rediss://u:p@cache:6380/2');
    expect(() => parseUrl('redis', 'REDIS_URL', redis)).toThrow(
      'REDIS_URL="redis" is not a URL (e.g. redis://redis:6379)',
    );
    expect(() => parseUrl('http://redis:6379', 'REDIS_URL', redis)).toThrow(
      'REDIS_URL="http://redis:6379" must start with redis:// or rediss://',
    );
    expect(() => parseUrl(undefined, 'REDIS_URL', redis)).toThrow('REDIS_URL must be set (e.g. redis://redis:6379)');
  });
});
