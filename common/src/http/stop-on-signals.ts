import type { Server } from 'node:http';
import type { Logger } from '../logging/logger';

/**
 * Graceful shutdown on SIGTERM (Kubernetes) and SIGINT (Ctrl-C): stop accepting connections, let
 * in-flight requests finish, run `close` (drain outboxes, close NATS and the store), then exit 0,
 * or 1 if closing failed or took longer than `timeoutMs`. A second signal exits at once (1).
 */
export function stopOnSignals(server: Server, close: () => Promise<void>, logger: Logger, timeoutMs = 20_000): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without finishing the shutdown');
      process.exit(1);
    }
    stopping = true;
    setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown took too long: exiting');
      process.exit(1);
    }, timeoutMs).unref();
    logger.info({ signal }, 'shutting down');
    server.close();
    server.closeIdleConnections();
    close().then(
      () => {
        logger.info({}, 'stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err: String(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
