import { runService } from '@authbus/service-kit';
import { buildClientApp } from './app';
import { loadConfig } from './config';

// Nothing to close: no store, no NATS. runService stops the server and waits for its requests.
runService({
  name: 'client',
  loadConfig,
  start: (_config, logger) => ({ app: buildClientApp(logger), close: async () => undefined }),
});
