import { serviceBasicsFromEnv } from '@authbus/service-kit';

describe('serviceBasicsFromEnv', () => {
  it('has the defaults every service shares, with its own port', () => {
    expect(serviceBasicsFromEnv({}, 3002)).toEqual({
      port: 3002,
      logLevel: 'info',
      trustProxy: 'loopback',
      allowedOrigins: [],
      store: { kind: 'memory' },
    });
  });

  it('reads PORT, LOG_LEVEL, TRUST_PROXY, ALLOWED_ORIGINS and MONGO_URI', () => {
    const env = {
      PORT: '8080',
      LOG_LEVEL: 'warn',
      TRUST_PROXY: 'TRUE',
      ALLOWED_ORIGINS: 'https://a.example, https://b.example',
      MONGO_URI: 'mongodb://db:27017/x',
    };
    expect(serviceBasicsFromEnv(env, 3002)).toEqual({
      port: 8080,
      logLevel: 'warn',
      trustProxy: true,
      allowedOrigins: ['https://a.example', 'https://b.example'],
      store: { kind: 'mongo', uri: 'mongodb://db:27017/x' },
    });
  });
});
