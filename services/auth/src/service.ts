import type { Express } from 'express';
import {
  connectNats,
  createAuthKit,
  LiveKeyRing,
  type AuthKit,
  type Logger,
  type NatsOptions,
  type ReadinessReport,
} from '@authbus/common';
import { RevocationSnapshotWriter } from '@authbus/common/issuer';
import type { RunnableService } from '@authbus/service-kit';
import { revocationHorizon } from './accounts/revocation-times';
import { buildApp } from './app';
import { clockToleranceSeconds, type AuthConfig } from './config';
import type { AuthContext } from './context';
import { KeyManager } from './keys/key-manager';
import { KeySetPublisher } from './keys/key-set-publisher';
import { createAuthMetrics } from './metrics';
import { AuthStreamKeeper } from './outbox/auth-stream-keeper';
import { HeartbeatPublisher } from './outbox/heartbeat-publisher';
import { HungServerFailover } from './outbox/hung-server-failover';
import { OutboxRelay } from './outbox/outbox-relay';
import { RevocationFence } from './outbox/revocation-fence';
import { createLimiterStore } from './rate-limit/limiter-store';
import { SigninLimits } from './rate-limit/signin-limits';
import { SignupLimits } from './rate-limit/signup-limits';
import type { AuthStore } from './store/auth-store';
import { createStore } from './store/create-store';
import { startSetTransmitter, type SetTransmitter } from './ssf/set-transmitter';
import { MongoStore } from './store/mongo/mongo-store';
import { AssertionReplays } from './service-identity/assertion-replays';
import { ownTokenSource } from './service-identity/own-token-source';

/** A running auth service, not yet listening; the same shape as the tickets service's. */
export interface AuthService extends RunnableService {
  app: Express;
  kit: AuthKit;
  store: AuthStore;
  /** What the routes and use cases use (config, store, relay, limits, metrics, clock). */
  ctx: AuthContext;
  /** Graceful stop: drain the outbox (up to `drainMs`), close the feed, NATS and the store. */
  close(drainMs?: number): Promise<void>;
}

/**
 * The composition root: store, NATS (retrying until it answers), the `AUTH` stream, the auth kit,
 * the outbox relay and the app. `index.ts` runs it (`runService`: listen, stop on signals); tests
 * use this directly with their own configuration and store.
 */
export async function createAuthService(config: AuthConfig, logger: Logger, store?: AuthStore): Promise<AuthService> {
  const now = config.kit.token?.now ?? Date.now;
  const db = store ?? (await createStore(config.store, now, (nowMs) => revocationHorizon(config, nowMs)));
  logger.info({ store: db.kind }, 'store ready');
  const metrics = createAuthMetrics(db);
  const limiterStore = await createLimiterStore({
    config: config.rateLimitStore,
    keyPrefix: config.rateLimitKeyPrefix,
    ...(db instanceof MongoStore ? { mongo: db.connection } : {}),
    logger,
    onFallback: (limit) => metrics.rateLimitFallbacks.inc({ limit }),
  });
  logger.info({ store: limiterStore.kind, keyPrefix: config.rateLimitKeyPrefix }, 'rate limits ready');
  const natsOptions = config.kit.nats as NatsOptions;
  logger.info({ servers: natsOptions.servers }, 'connecting to nats');
  const nc = await connectNats(natsOptions, logger);
  const keeper = new AuthStreamKeeper({
    nc,
    stream: {
      maxAgeMs: config.streamMaxAgeMs,
      replicas: config.streamReplicas,
      republish: config.streamRepublish,
    },
    store: db,
    horizon: () => revocationHorizon(config, now()),
    logger,
  });
  const stream = await keeper.ensure();
  logger.info(
    {
      stream: stream.config.name,
      maxAgeSeconds: config.streamMaxAgeMs / 1000,
      replicas: stream.config.num_replicas,
      republish: stream.config.republish?.dest ?? null,
      messages: stream.state.messages,
    },
    'auth stream ready',
  );

  // One live ring: auth signs with it, verifies with it, serves it as the JWKS and publishes it.
  const keyRing = new LiveKeyRing(config.kit.keyRing, logger);
  const keySets = new KeySetPublisher({
    nc,
    keyRing,
    logger,
    now: Date.now,
    republishMs: keySetRepublishMs(config.streamMaxAgeMs),
  });
  const keys = new KeyManager({
    ring: keyRing,
    store: db,
    publisher: keySets,
    config: config.keys,
    retireAfterMs: (config.accessTokenTtlSeconds + Math.ceil(clockToleranceSeconds(config))) * 1000,
    logger,
  });
  // Before the feed replays: the stored private keys go into the ring first.
  await keys.start();
  const kit = createAuthKit({
    ...config.kit,
    keyRing,
    nats: nc,
    logger,
    service: {
      name: 'auth',
      tokenSource: ownTokenSource(keyRing, config.serviceTokenTtlSeconds, config.kit.token ?? {}),
    },
  });
  keySets.start(kit.whenReady());
  // A publish that times out on a server that answers no ping moves auth to another server at once.
  const failover = new HungServerFailover({ nc, logger });
  // The snapshot is of this kit's own set, built by its feed from the stream like every verifier's.
  const snapshots = config.snapshot
    ? new RevocationSnapshotWriter({
        nc,
        set: kit.revocations,
        position: () => kit.revocationPosition(),
        everyEvents: config.snapshot.everyEvents,
        intervalMs: config.snapshot.intervalMs,
        replicas: config.streamReplicas,
        tokenNow: now,
        clockToleranceSeconds: clockToleranceSeconds(config),
        logger,
        onWritten: (written) => metrics.snapshotWritten(written),
      })
    : undefined;
  snapshots?.start();
  const relay = new OutboxRelay({
    store: db,
    nc,
    logger,
    onPublished: (envelope) => metrics.outboxPublished.inc({ subject: envelope.subject }),
    onFailed: () => metrics.outboxFailures.inc(),
    restoreStream: () => keeper.restoreIfMissing(),
    onUnanswered: () => failover.unanswered(),
  });
  relay.start();
  const fence = new RevocationFence({
    memoryMs: config.silentMemoryMs,
    clockToleranceMs: clockToleranceSeconds(config) * 1000,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    // Real time, like the verifiers' memory of a silent instance (the token clock may be a test's).
    now: Date.now,
    logger,
    onChange: (fenced) => metrics.revocationsFenced.set(fenced ? 1 : 0),
  });
  const heartbeat = new HeartbeatPublisher({
    nc,
    store: db,
    intervalMs: config.heartbeatIntervalMs,
    logger,
    now,
    pendingSince: () => keySets.unpublishedSince(),
    onUnanswered: () => failover.unanswered(),
    onDelivered: (publishedAt) => fence.heard(publishedAt),
    silentMemoryMs: config.silentMemoryMs,
  });
  heartbeat.start();
  const transmitter: SetTransmitter | undefined = config.ssf
    ? await startSetTransmitter({
        nc,
        ssf: config.ssf,
        signer: () => keyRing.signer(),
        now,
        logger,
        registry: metrics.registry,
      })
    : undefined;

  const ctx: AuthContext = {
    config,
    keyRing,
    keySets,
    keys,
    store: db,
    relay,
    fence,
    revocations: kit.revocations,
    ...(snapshots ? { snapshots } : {}),
    limits: {
      signin: SigninLimits.create(limiterStore, config.signinLimits),
      signup: SignupLimits.create(limiterStore, config.signupLimits),
    },
    metrics,
    logger,
    now,
    authenticate: (token) => kit.authenticate(token),
    serviceIdentity: {
      clients: config.serviceClients,
      replays: new AssertionReplays(),
      ttlSeconds: config.serviceTokenTtlSeconds,
    },
    fetchAsService: (url, init) => kit.fetchAsService(url, init),
  };

  const readiness = async (): Promise<ReadinessReport> => {
    const storeOk = await db.ping().then(
      () => true,
      () => false,
    );
    const backlog = await db.backlog().catch(() => undefined);
    const feed = kit.readiness();
    // Sign-out must keep working through a short NATS outage (events wait in the outbox), so NATS
    // being unreachable alone does not take the auth service out of rotation; revocations it has
    // not been able to publish for longer than OUTBOX_MAX_LAG do: they are enforced nowhere else.
    const lagMs = backlog?.oldestCreatedAt ? Math.max(0, now() - backlog.oldestCreatedAt.getTime()) : 0;
    const publishing = lagMs <= config.outboxMaxLagMs;
    return {
      ready: storeOk && feed.caughtUp && publishing,
      store: storeOk,
      nats: feed.nats,
      feed,
      outbox: {
        backlog: backlog?.count ?? null,
        oldestCreatedAt: backlog?.oldestCreatedAt ?? null,
        lagSeconds: lagMs / 1000,
        publishing,
      },
    };
  };

  const app = buildApp({ ctx, kit, readiness });
  return {
    app,
    kit,
    store: db,
    ctx,
    async close(drainMs = 5000) {
      const left = await relay.drain(drainMs);
      if (left > 0) logger.warn({ backlog: left }, 'outbox not empty at shutdown; the next start publishes it');
      // Verifiers stop waiting for this instance's heartbeats, or keep counting what it leaves behind.
      const last = await heartbeat.leave();
      logger.info({ sent: last !== undefined, unpublishedSince: last?.unpublishedSince ?? null }, 'leaving heartbeat');
      fence.close();
      await snapshots?.close();
      keys.close();
      keySets.close();
      await transmitter?.close();
      await kit.close();
      await nc.drain().catch(() => nc.close());
      await limiterStore.close();
      await db.close();
    },
  };
}

/** A quarter of the stream's retention, at most 5 minutes: the stream always holds a current key set. */
export function keySetRepublishMs(streamMaxAgeMs: number): number {
  return Math.max(1000, Math.min(5 * 60_000, Math.floor(streamMaxAgeMs / 4)));
}
