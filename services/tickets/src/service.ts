import type { Express } from 'express';
import { createAuthKit, type AuthKit, type Logger, type ReadinessReport } from '@authbus/common';
import type { RunnableService } from '@authbus/service-kit';
import { Registry } from 'prom-client';
import { buildApp } from './app';
import type { TicketsConfig } from './config';
import { UserCreatedListener } from './events/user-created-listener';
import { liveStreams } from './live/live-route';
import { TicketChanges } from './live/ticket-changes';
import { MemoryTicketsStore } from './store/memory/memory-tickets-store';
import { MongoTicketsStore } from './store/mongo/mongo-tickets-store';
import type { TicketsStore } from './store/tickets-store';

/** A running tickets service, not yet listening; the same shape as the auth service's. */
export interface TicketsService extends RunnableService {
  app: Express;
  kit: AuthKit;
  store: TicketsStore;
  close(): Promise<void>;
}

/** Composition root: store, auth kit (its own NATS connection), user directory listener, app. */
export async function createTicketsService(
  config: TicketsConfig,
  logger: Logger,
  store?: TicketsStore,
): Promise<TicketsService> {
  const db =
    store ??
    (config.store.kind === 'mongo' ? await MongoTicketsStore.connect(config.store.uri) : new MemoryTicketsStore());
  logger.info({ store: db.kind }, 'store ready');
  const kit = createAuthKit({ ...config.kit, logger });
  const registry = new Registry();
  let listener: UserCreatedListener | undefined;
  let listening = false;
  let closing = false;
  // The directory is a convenience: tickets work without it, so it starts in the background.
  // It reads the stream the feed reads: with its own NATS account (Kubernetes), tickets' mirror of
  // AUTH, which the kit creates before its feed starts; so it waits for the kit to be ready.
  const listenerStarted = kit.connection().then(async (nc) => {
    await kit.whenReady();
    if (closing) return;
    listener = new UserCreatedListener(nc, db, { logger });
    await listener.listen();
    listening = true;
  });
  listenerStarted.catch((err: unknown) => {
    if (!closing) logger.error({ err: String(err) }, 'user directory listener failed to start');
  });

  const readiness = async (): Promise<ReadinessReport> => {
    const storeOk = await db.ping().then(
      () => true,
      () => false,
    );
    const feed = kit.readiness();
    return { ready: storeOk && feed.ready, store: storeOk, feed, directoryListener: listening };
  };

  const changes = new TicketChanges(kit.connection(), logger);
  const live = liveStreams({ requireAuth: kit.requireAuth, watch: kit.watch, changes, logger });
  const app = buildApp({ config, store: db, kit, changes, live, registry, logger, readiness });
  return {
    app,
    kit,
    store: db,
    async close() {
      closing = true;
      // Open streams would hold the server's close until its timeout.
      live.closeAll();
      changes.close();
      // Closing the kit first settles a listener still waiting for the feed (or for NATS).
      const listenerClosed = listenerStarted.then(() => listener?.close()).catch(() => undefined);
      await listener?.close();
      await kit.close();
      await listenerClosed;
      await db.close();
    },
  };
}
