import type { NatsOptions } from '@authbus/common';
import type { NatsConnection } from 'nats';
import { loadConfig as loadAuthConfig } from '../../../services/auth/src/config';
import { loadConfig as loadTicketsConfig } from '../../../services/tickets/src/config';

/**
 * The services on the bus, each with its own configuration loader: given an environment (its
 * Deployment's), it yields the NATS options the service connects with, inbox prefix included, as
 * the running service derives them (services/<name>/src/config.ts → authKitOptionsFromEnv).
 */
const NATS_OPTIONS_OF = {
  auth: (env: Record<string, string>) => loadAuthConfig(env).kit.nats,
  tickets: (env: Record<string, string>) => loadTicketsConfig(env).kit.nats,
} satisfies Record<string, (env: Record<string, string>) => NatsOptions | NatsConnection>;

export type BusService = keyof typeof NATS_OPTIONS_OF;

/** The services that connect to NATS (each has a NATS user in nats.conf). */
export const BUS_SERVICES = Object.keys(NATS_OPTIONS_OF) as BusService[];

/** The NATS options a service connects with, from its environment. */
export function natsOptionsOf(service: BusService, env: Record<string, string>): NatsOptions {
  const options = NATS_OPTIONS_OF[service](env);
  if ('publish' in options) throw new Error(`${service}: its configuration holds a connection, not options`);
  return options;
}
