import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import type { AuthbusError } from '../errors/authbus-error';
import { FeedNotReadyError, FeedStaleError } from '../errors/feed-errors';
import { TokenRevokedError } from '../errors/token-errors';
import { currentUserMiddleware } from '../http/current-user';
import { createErrorHandler } from '../http/error-handler';
import { requireAuth, requireRole } from '../http/require-auth';
import { silentLogger } from '../logging/logger';
import { keepMirror } from './keep-mirror';
import { connectNats, type NatsOptions } from '../nats/connect-nats';
import { RevocationFeed } from '../revocation/revocation-feed';
import { RevocationSet } from '../revocation/revocation-set';
import type { AccessClaims } from '../tokens/claims';
import { createTokenVerifier } from '../tokens/verify-access-token';
import { DEFAULT_MAX_STALENESS_MS, type AuthKitOptions } from './auth-kit-options';
import { registerKitMetrics } from './kit-metrics';

/** What a readiness probe needs to know. */
export interface KitReadiness {
  ready: boolean;
  nats: boolean;
  caughtUp: boolean;
  /** Seconds since the feed last knew it was in sync; `null` before the first sync. */
  stalenessSeconds: number | null;
  stale: boolean;
}

/** Everything a service needs to authenticate requests and enforce revocations. */
export interface AuthKit {
  /** Middleware: cookie or Bearer → verified claims → revocation check → `req.currentUser`. */
  readonly currentUser: RequestHandler;
  /** Middleware: 401 (or 503 while the feed can't be trusted) without a `currentUser`. */
  readonly requireAuth: RequestHandler;
  /** Middleware factory: 403 unless `currentUser` has one of the roles. */
  requireRole(...roles: string[]): RequestHandler;
  /** Error middleware: typed errors → status + `{ errors }`; unknown → 500, logged. */
  readonly errorHandler: ErrorRequestHandler;
  /** Verify a token and check revocation outside HTTP (websockets, jobs). Throws typed errors. */
  authenticate(token: string): AccessClaims;
  /** For `/readyz`: connected, caught up, not stale. */
  readiness(): KitReadiness;
  /** Resolves once the retained revocations have been replayed. */
  whenReady(): Promise<void>;
  /** The kit's Prometheus metrics (merge into your `/metrics`). */
  readonly metrics: Registry;
  /** The local revocation set. */
  readonly revocations: RevocationSet;
  /** The NATS connection, once connected. */
  connection(): Promise<NatsConnection>;
  /** Stop the feed and timers; closes the NATS connection if the kit opened it. */
  close(): Promise<void>;
}

const MAINTENANCE_INTERVAL_MS = 1000;
const PRUNE_BUDGET = 10_000;

/**
 * Create the auth kit. Returns at once; the revocation feed connects and replays in the
 * background, and until it has caught up, authenticated requests get 503 with `Retry-After`.
 *
 * ```ts
 * const auth = createAuthKit(authKitOptionsFromEnv('tickets'));
 * app.use(auth.currentUser);
 * app.post('/api/tickets', auth.requireAuth, createTicket);
 * app.use(auth.errorHandler);
 * ```
 */
export function createAuthKit(options: AuthKitOptions): AuthKit {
  const logger = options.logger ?? silentLogger;
  const revocation = options.revocation ?? {};
  const maxStalenessMs = revocation.maxStalenessMs ?? DEFAULT_MAX_STALENESS_MS;
  const policy = revocation.stalenessPolicy ?? 'closed';
  // Token times (exp, until) follow the token clock; heartbeats and staleness follow the wall clock.
  const tokenNow = options.token?.now ?? Date.now;
  const now = Date.now;
  const toleranceSeconds = options.token?.clockToleranceSeconds ?? 5;
  const verify = createTokenVerifier(options.keyRing, options.token);
  const set = new RevocationSet();
  const registry = options.registry ?? new Registry();
  let feed: RevocationFeed | undefined;
  let closing = false;
  let connection: NatsConnection | undefined;
  let markClosed!: () => void;
  const closedSignal = new Promise<void>((resolve) => (markClosed = resolve));
  const stopConnecting = new AbortController();

  const ownsConnection = !isConnection(options.nats);
  const connecting: Promise<NatsConnection> = isConnection(options.nats)
    ? Promise.resolve(options.nats)
    : connectNats(options.nats, logger, stopConnecting.signal);
  const started = connecting.then(async (nc) => {
    connection = nc;
    if (revocation.mirror) await keepMirror(nc, revocation.mirror, revocation.stream, logger, () => closing);
    if (closing) return;
    feed = new RevocationFeed({
      nc,
      set,
      logger,
      tokenNow,
      clockToleranceSeconds: toleranceSeconds,
      ...(revocation.stream !== undefined ? { stream: revocation.stream } : {}),
      ...(revocation.live !== undefined ? { live: revocation.live } : {}),
      ...(revocation.syncIntervalMs !== undefined ? { syncIntervalMs: revocation.syncIntervalMs } : {}),
      ...(revocation.onApplied !== undefined ? { onApplied: revocation.onApplied } : {}),
      ...(revocation.mirror !== undefined
        ? {
            mirrorOrigin: {
              apiPrefix: revocation.mirror.apiPrefix,
              replaceMirror: () => keepMirror(nc, revocation.mirror!, revocation.stream, logger, () => closing),
            },
          }
        : {}),
    });
    feed.start();
  });
  started.catch((err: unknown) => {
    if (!closing) logger.error({ err: String(err) }, 'revocation feed could not start');
  });
  let connected = false;
  void connecting.then(async (nc) => {
    connected = true;
    for await (const s of nc.status()) {
      if (closing) break;
      if (s.type === 'disconnect') connected = false;
      else if (s.type === 'reconnect') connected = true;
    }
  }).catch(() => undefined);

  const stalenessMs = (): number | null => (feed && feed.lastSyncAt > 0 ? now() - feed.lastSyncAt : null);
  const isStale = (): boolean => {
    const ms = stalenessMs();
    return ms !== null && ms > maxStalenessMs;
  };
  const metrics = registerKitMetrics(registry, set, () => feed, () => {
    const ms = stalenessMs();
    return { seconds: ms === null ? 0 : ms / 1000, stale: isStale() };
  });

  /** Housekeeping once a second: prune expired revocations, log staleness changes. */
  let wasStale = false;
  const maintenance = setInterval(() => {
    set.prune(Math.floor(tokenNow() / 1000) - toleranceSeconds, PRUNE_BUDGET);
    const stale = isStale();
    if (stale !== wasStale) {
      if (stale) logger.warn({ stalenessMs: stalenessMs(), maxStalenessMs, policy }, 'revocation feed is stale');
      else logger.info({}, 'revocation feed is in sync again');
      wasStale = stale;
    }
  }, MAINTENANCE_INTERVAL_MS);
  maintenance.unref();

  const authenticate = (token: string): AccessClaims => {
    const claims = verify(token);
    if (set.match(claims) !== undefined) throw new TokenRevokedError();
    if (!feed?.caughtUp) throw new FeedNotReadyError();
    const staleFor = now() - feed.lastSyncAt;
    if (staleFor > maxStalenessMs) {
      if (policy === 'closed') throw new FeedStaleError(staleFor);
      metrics.staleServed.inc();
    }
    return claims;
  };

  const onRefused = (err: AuthbusError): void => metrics.authFailures.inc({ code: err.code });

  return {
    currentUser: currentUserMiddleware(authenticate, onRefused),
    requireAuth,
    requireRole,
    errorHandler: createErrorHandler(logger),
    authenticate,
    readiness() {
      const ms = stalenessMs();
      const caughtUp = feed?.caughtUp ?? false;
      const stale = isStale();
      // A short NATS blip must not pull every replica out of service: readiness follows staleness.
      return {
        ready: caughtUp && !(stale && policy === 'closed'),
        nats: connected,
        caughtUp,
        stalenessSeconds: ms === null ? null : ms / 1000,
        stale,
      };
    },
    async whenReady() {
      const ready = started.then(() => feed?.whenCaughtUp());
      await Promise.race([
        ready,
        closedSignal.then(() => {
          throw new Error('The auth kit was closed before the revocation feed caught up');
        }),
      ]);
    },
    metrics: registry,
    revocations: set,
    connection: () => connecting,
    async close() {
      closing = true;
      clearInterval(maintenance);
      markClosed();
      await feed?.close();
      if (!ownsConnection) return;
      if (connection) await connection.close();
      // Still trying to reach NATS: stop trying.
      else stopConnecting.abort(new Error('The auth kit was closed before NATS answered'));
    },
  };
}

function isConnection(value: NatsConnection | NatsOptions): value is NatsConnection {
  return typeof (value as NatsConnection).publish === 'function';
}
