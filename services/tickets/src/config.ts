import { authKitOptionsFromEnv, type AuthKitEnv, type AuthKitOptions } from '@authbus/common';
import { parseUrl, serviceBasicsFromEnv, type ServiceBasics, type ServiceEnv } from '@authbus/service-kit';

/** The tickets service's configuration: read once, validated, typed. */
export interface TicketsConfig extends ServiceBasics {
  kit: AuthKitOptions;
  /** Where the auth service answers, for calls made on a user's behalf (token relay). */
  authUrl: string;
}

/** The environment variables the tickets service reads. */
export interface TicketsEnv extends AuthKitEnv, ServiceEnv {
  AUTH_URL?: string | undefined;
}

/** Read and validate the configuration; throws `ConfigError` naming the variable at fault. */
export function loadConfig(env: TicketsEnv = process.env): TicketsConfig {
  return {
    ...serviceBasicsFromEnv(env, 3002),
    kit: authKitOptionsFromEnv('tickets', env),
    authUrl: parseUrl(env.AUTH_URL, 'AUTH_URL', { fallback: 'http://127.0.0.1:3001' }),
  };
}
