import { createLogger, isAuthbusError, stopOnSignals } from '@authbus/common';
import { loadConfig } from './config';
import { createTicketsService } from './service';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    createLogger('tickets').error({ err: isAuthbusError(err) ? err.message : String(err) }, 'invalid configuration');
    process.exit(1);
  }
  const logger = createLogger('tickets', config.logLevel);
  const service = await createTicketsService(config, logger);
  const server = service.app.listen(config.port, () => logger.info({ port: config.port, store: service.store.kind }, 'tickets listening'));
  service.auth.whenReady().then(
    () => logger.info({}, 'tickets ready: revocations replayed'),
    () => undefined, // closed before it was ready
  );

  stopOnSignals(server, () => service.close(), logger);
}

main().catch((err: unknown) => {
  createLogger('tickets').error({ err: String(err), stack: (err as Error).stack }, 'start-up failed');
  process.exit(1);
});
