import { ConfigError, authKitOptionsFromEnv, type AuthKitEnv, type AuthKitOptions } from '@authbus/common';

/** The tickets service's configuration: read once, validated, typed. */
export interface TicketsConfig {
  port: number;
  kit: AuthKitOptions;
  store: { kind: 'memory' } | { kind: 'mongo'; uri: string };
  /** Where the auth service answers, for calls made on a user's behalf (token relay). */
  authUrl: string;
  /** Extra browser origins allowed to make state-changing requests. */
  allowedOrigins: string[];
  trustProxy: string | number | boolean;
  logLevel: string;
}

/** The environment variables the tickets service reads. */
export interface TicketsEnv extends AuthKitEnv {
  PORT?: string | undefined;
  MONGO_URI?: string | undefined;
  AUTH_URL?: string | undefined;
  ALLOWED_ORIGINS?: string | undefined;
  TRUST_PROXY?: string | undefined;
  LOG_LEVEL?: string | undefined;
}

export function loadConfig(env: TicketsEnv = process.env): TicketsConfig {
  const port = Number(env.PORT ?? '3002');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT="${env.PORT}" must be a port number`);
  const authUrl = env.AUTH_URL ?? 'http://127.0.0.1:3001';
  try {
    new URL(authUrl);
  } catch {
    throw new ConfigError(`AUTH_URL="${authUrl}" is not a URL`);
  }
  return {
    port,
    kit: authKitOptionsFromEnv('tickets', env),
    store: env.MONGO_URI ? { kind: 'mongo', uri: env.MONGO_URI } : { kind: 'memory' },
    authUrl,
    allowedOrigins: (env.ALLOWED_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
    // Like auth (services/auth/src/http/trust-proxy.ts): only loopback (the local gateway) by
    // default; a number is a hop count (Kubernetes: 1, the ingress).
    trustProxy: env.TRUST_PROXY
      ? /^(true|false)$/i.test(env.TRUST_PROXY)
        ? env.TRUST_PROXY === 'true'
        : /^\d+$/.test(env.TRUST_PROXY)
          ? Number(env.TRUST_PROXY)
          : env.TRUST_PROXY
      : 'loopback',
    logLevel: env.LOG_LEVEL ?? 'info',
  };
}
