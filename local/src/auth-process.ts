import { randomBytes } from 'node:crypto';
import { freePort } from '@authbus/common/testing';
import { ServiceProcess } from './service-process';

/** Where and how to run a lone auth service. */
export interface AuthProcessOptions {
  natsUrl: string;
  /** Log prefix; default `auth`. */
  name?: string;
  /** Added to (and overriding) the test defaults. */
  env?: Record<string, string>;
  /** Where output lines go; default: dropped. */
  log?: (line: string) => void;
}

/**
 * An auth service process on a free port of 127.0.0.1, not started yet, with the settings a test
 * or benchmark run wants unless `env` says otherwise: `NODE_ENV=test`, errors only in the log, a
 * cheap scrypt cost and a fresh HS256 key. For suites that drive auth alone (no gateway, no tickets).
 */
export async function authProcess(options: AuthProcessOptions): Promise<ServiceProcess> {
  const port = await freePort();
  return new ServiceProcess({
    name: options.name ?? 'auth',
    entry: require.resolve('@authbus/auth'),
    url: `http://127.0.0.1:${port}`,
    env: {
      PORT: String(port),
      NATS_URL: options.natsUrl,
      JWT_KEY: randomBytes(36).toString('base64url'),
      NODE_ENV: 'test',
      LOG_LEVEL: 'error',
      PASSWORD_SCRYPT_COST: '1024',
      ...options.env,
    },
    log: options.log ?? (() => undefined),
  });
}
