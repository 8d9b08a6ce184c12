import type { AuthKitOptions, NatsOptions } from '@authbus/common';
import { loadConfig as loadAuthConfig } from '@authbus/auth/config';
import { loadConfig as loadTicketsConfig } from '@authbus/tickets/config';

/**
 * The services on the bus, each with its own configuration loader: given an environment (its
 * Deployment's), it yields the auth kit options the service starts with, NATS options (inbox
 * prefix included) and revocation settings, as the running service derives them
 * (services/<name>/src/config.ts → authKitOptionsFromEnv).
 */
const KIT_OPTIONS_OF = {
  auth: (env: Record<string, string>) => loadAuthConfig(env).kit,
  tickets: (env: Record<string, string>) => loadTicketsConfig(env).kit,
} satisfies Record<string, (env: Record<string, string>) => AuthKitOptions>;

export type BusService = keyof typeof KIT_OPTIONS_OF;

/** The services that connect to NATS (each has a NATS user in nats.conf). */
export const BUS_SERVICES = Object.keys(KIT_OPTIONS_OF) as BusService[];

/** The auth kit options a service starts with, from its environment. */
export function kitOptionsOf(service: BusService, env: Record<string, string>): AuthKitOptions {
  return KIT_OPTIONS_OF[service](env);
}

/** The NATS options a service connects with, from its environment. */
export function natsOptionsOf(service: BusService, env: Record<string, string>): NatsOptions {
  const options = kitOptionsOf(service, env).nats;
  if ('publish' in options) throw new Error(`${service}: its configuration holds a connection, not options`);
  return options;
}
