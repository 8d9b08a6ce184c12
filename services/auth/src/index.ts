import { createLogger, isAuthbusError } from '@authbus/common';
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

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close();
    server.closeIdleConnections();
    service
      .close()
      .then(() => {
        logger.info({}, 'stopped');
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err: String(err) }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  createLogger('auth').error({ err: String(err), stack: (err as Error).stack }, 'start-up failed');
  process.exit(1);
});
