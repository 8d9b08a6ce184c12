import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { createLogger, isAuthbusError, stopOnSignals, type Logger } from '@authbus/common';

/** What `runService` needs of a service's configuration. */
export interface RunnableConfig {
  port: number;
  logLevel: string;
}

/**
 * What `runService` needs of a built service: an app to listen with and a graceful `close`. A
 * service with a store and an auth kit (auth, tickets) exposes them under these names, and
 * `runService` reports the store's kind and when the kit's revocation feed has replayed.
 */
export interface RunnableService {
  app: Express;
  store?: { readonly kind: string };
  kit?: { whenReady(): Promise<void> };
  close(): Promise<void>;
}

/** How to run one service. */
export interface RunServiceOptions<C extends RunnableConfig, S extends RunnableService> {
  /** The service's name: the `service` field of every log line, and the messages. */
  name: string;
  /** Read and validate the environment; a `ConfigError` stops the process with one line naming the variable. */
  loadConfig: () => C;
  /** Build the service (connect, create the app) without listening. */
  start: (config: C, logger: Logger) => Promise<S> | S;
}

/**
 * A service's whole `index.ts`: load the configuration (exit 1 with `invalid configuration` when it
 * is wrong), create the logger at the configured level, build the service, listen on the port,
 * and stop gracefully on SIGTERM/SIGINT (`stopOnSignals`). Anything failing during start-up is
 * logged as `start-up failed` and exits 1: a service never listens half-built.
 *
 * @example
 * runService({ name: 'orders', loadConfig, start: (config, logger) => createOrdersService(config, logger) });
 */
export function runService<C extends RunnableConfig, S extends RunnableService>(
  options: RunServiceOptions<C, S>,
): void {
  launch(options).catch((err: unknown) => {
    createLogger(options.name).error({ err: String(err), stack: (err as Error).stack }, 'start-up failed');
    process.exit(1);
  });
}

async function launch<C extends RunnableConfig, S extends RunnableService>({
  name,
  loadConfig,
  start: build,
}: RunServiceOptions<C, S>): Promise<void> {
  let config: C;
  try {
    config = loadConfig();
  } catch (err) {
    createLogger(name).error({ err: isAuthbusError(err) ? err.message : String(err) }, 'invalid configuration');
    process.exit(1);
  }
  const logger = createLogger(name, config.logLevel);
  const service = await build(config, logger);
  const server = service.app.listen(config.port, (err?: Error) => {
    if (err) {
      logger.error({ err: String(err), port: config.port }, 'start-up failed: cannot listen');
      process.exit(1);
    }
    const { port } = server.address() as AddressInfo;
    logger.info({ port, ...(service.store ? { store: service.store.kind } : {}) }, `${name} listening`);
  });
  service.kit?.whenReady().then(
    () => logger.info({}, `${name} ready: revocations replayed`),
    () => undefined, // closed before it was ready
  );
  stopOnSignals(server, () => service.close(), logger);
}
