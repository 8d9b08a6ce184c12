import { createLogger, isAuthbusError, stopOnSignals } from '@authbus/common';
import { loadConfig } from './config';
import { createAuthService } from './service';

async function main(): Promise<void> {
  const bootLogger = createLogger('auth');
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    bootLogger.error({ err: isAuthbusError(err) ? err.message : String(err) }, 'invalid configuration');
    process.exit(1);
  }
  const logger = createLogger('auth', config.logLevel);
  const service = await createAuthService(config, logger);
  const server = service.app.listen(config.port, () => {
    logger.info({ port: config.port, store: service.ctx.store.kind }, 'auth listening');
  });

  stopOnSignals(server, () => service.close(), logger);
}

main().catch((err: unknown) => {
  createLogger('auth').error({ err: String(err), stack: (err as Error).stack }, 'start-up failed');
  process.exit(1);
});
