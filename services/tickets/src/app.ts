import express, { type Express } from 'express';
import {
  fetchAsUser,
  notFound,
  probeRoutes,
  rejectCrossSite,
  requestMetrics,
  type AuthKit,
  type Logger,
  type ReadinessReport,
} from '@authbus/common';
import { jsonBody } from '@authbus/service-kit';
import type { Registry } from 'prom-client';
import type { TicketsConfig } from './config';
import { internalRoutes } from './routes/internal-routes';
import { ticketsRoutes } from './routes/tickets-routes';
import type { TicketsStore } from './store/tickets-store';
import type { LiveStreams } from './live/live-route';
import type { TicketChanges } from './live/ticket-changes';

export interface TicketsAppDeps {
  config: TicketsConfig;
  store: TicketsStore;
  kit: Pick<AuthKit, 'currentUser' | 'requireAuth' | 'requireService' | 'fetchOnBehalf' | 'errorHandler' | 'metrics'>;
  changes: TicketChanges;
  live: LiveStreams;
  registry: Registry;
  logger: Logger;
  readiness: () => Promise<ReadinessReport>;
}

/** The tickets API: protected by @authbus/common in three lines (marked below). */
export function buildApp({ config, store, kit, changes, live, registry, logger, readiness }: TicketsAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(requestMetrics(registry, logger));
  app.use(probeRoutes(readiness, [registry, kit.metrics]));
  app.use(jsonBody());
  app.use(rejectCrossSite({ allowedOrigins: config.allowedOrigins }));
  app.use(kit.currentUser); // (1) every request: cookie or Bearer → verified, unrevoked claims
  app.use(live.router); // a stream that kit.watch ends when its session does
  app.use(
    ticketsRoutes({
      store,
      requireAuth: kit.requireAuth /* (2) on routes that need a user */,
      authUrl: config.authUrl,
      fetchForUser: config.kit.service?.tokenSource
        ? (req, url, init) => kit.fetchOnBehalf(req, url, { ...init, audience: 'auth' })
        : fetchAsUser,
      logger,
      changes,
    }),
  );
  app.use(internalRoutes({ store, onlyAuth: kit.requireService('auth'), logger }));
  app.use(notFound);
  app.use(kit.errorHandler); // (3) typed errors → { errors: [...] }
  return app;
}
