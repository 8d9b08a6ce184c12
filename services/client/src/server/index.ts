import { createLogger, stopOnSignals } from '@authbus/common';
import { buildClientApp } from './app';

const logger = createLogger('client', process.env.LOG_LEVEL ?? 'info');
const port = Number(process.env.PORT ?? '3003');
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  logger.error({ port: process.env.PORT }, 'invalid configuration: PORT must be a port number');
  process.exit(1);
}
const server = buildClientApp(logger).listen(port, () => logger.info({ port }, 'client listening'));
stopOnSignals(server, async () => undefined, logger);
