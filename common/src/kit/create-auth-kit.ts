import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import type { AuthbusError } from '../errors/authbus-error';
import type { AnyEventEnvelope } from '../events/auth-event';
import type { FeedSource } from '../feed/revocation-feed';
import { TokenRevokedError } from '../errors/token-errors';
import { currentUserMiddleware, requestAuthenticator } from '../http/current-user';
import { createErrorHandler } from '../http/error-handler';
import { requireAuthWith } from '../http/require-auth';
import { connectionState } from '../nats/connection-state';
import { RevocationSet, type AppliedRevocation } from '../revocation/revocation-set';
import type { AccessClaims } from '../tokens/claims';
import type { KeyRing } from '../tokens/key-ring';
import { createCachedTokenVerifier } from '../tokens/cached-token-verifier';
import { VerifiedTokenCache } from '../tokens/verified-token-cache';
import type { AuthKitOptions } from './auth-kit-options';
import { requestAuthentication } from './authenticate-request';
import { registerKitMetrics } from './kit-metrics';
import { resolveKitOptions } from './resolve-kit-options';
import { ClaimWatches, type WatchedClaims, type WatchEnd } from './claim-watches';
import { StalenessGuard } from './staleness-guard';
import { registerTokenCacheMetrics } from './token-cache-metrics';
import { registerWatchMetrics } from './watch-metrics';
import { startFeed } from './start-feed';
import { registerKeyRingMetrics } from './key-ring-metrics';
import { LiveKeyRing, type KeyRemovalReason } from '../tokens/live-key-ring';
import type { EventEnvelope } from '../events/auth-event';
import type { KeySetUpdatedEvent } from '../events/key-set-updated-event';

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
  /**
   * Middleware: 401 (or 503 while the feed can't be trusted) without a `currentUser`. Where
   * `currentUser` did not run, it authenticates the request itself, so `requireAuth` alone
   * protects a route (one middleware per request instead of two).
   */
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
  /**
   * The key ring tokens are verified with: kept current by the key sets auth publishes, or the
   * ring given as it is when it changes on its own (it has `onKeyRemoved`: a remote JWKS, say).
   */
  readonly keyRing: KeyRing;
  /**
   * Call `listener(kid, reason)` the moment a key leaves the key ring: `withdrawn` (every token it
   * signed is refused from now on: drop what you cached for it) or `retired`. Returns a function
   * that stops it.
   */
  onKeyRemoved(listener: (kid: string, reason: KeyRemovalReason) => void): () => void;
  /**
   * Forget every cached verification of a token signed with key `kid`; returns how many were
   * dropped. Call it when a key leaves the key ring (rotation finished, key withdrawn or
   * compromised) if the ring cannot say so itself: a ring with `onKeyRemoved` is listened to, and
   * this is called for you. Until it is called, a token verified with the key before it left is
   * still accepted from the cache.
   */
  dropKey(kid: string): number;
  /**
   * Call `listener` for every revocation this instance applies, once each (a session, a user's
   * cut-off), with what it matches. Returns a function that stops it.
   */
  onRevoked(listener: (revocation: AppliedRevocation) => void): () => void;
  /**
   * For a connection authenticated once and kept open (server-sent events, a WebSocket): call
   * `onEnd` once, as soon as these claims would be refused on a new request: `revoked` (sign-out,
   * ban, sign-out everywhere, or the withdrawal of the key that signed them when these are the
   * claims object `currentUser` / `authenticate` gave; within milliseconds of the event), `expired` (`exp` plus the clock
   * tolerance), or `stale` (the feed went stale under policy `closed`). Returns `unwatch`, to call
   * when the connection ends first.
   *
   * ```ts
   * const unwatch = kit.watch(req.currentUser!, (reason) => { res.write(`event: revoked\ndata: "${reason}"\n\n`); res.end(); });
   * req.on('close', unwatch);
   * ```
   */
  readonly watch: (claims: WatchedClaims, onEnd: (reason: WatchEnd) => void) => () => void;
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
  const resolved = resolveKitOptions(options);
  const { logger } = resolved;
  const given = options.keyRing;
  // A ring that changes on its own (it reports removals) is used as it is and follows no key sets;
  // any other becomes a live ring that starts from its keys and follows auth's key sets.
  const live = given instanceof LiveKeyRing ? given : given.onKeyRemoved ? undefined : new LiveKeyRing(given, logger);
  const keyRing: KeyRing = live ?? given;
  const onKeyRemoved = (listener: (kid: string, reason: KeyRemovalReason) => void): (() => void) =>
    live ? live.onKeyRemoved(listener) : (given.onKeyRemoved?.((kid) => listener(kid, 'withdrawn')) ?? (() => false));
  const cache = resolved.tokenCache === undefined ? undefined : new VerifiedTokenCache(resolved.tokenCache);
  /** Which key verified each claims object handed out, so a watch ends when that key is withdrawn. */
  const verifiedBy = new WeakMap<object, string>();
  const verifier = createCachedTokenVerifier(keyRing, options.token ?? {}, cache, (claims, kid) => {
    if (kid !== undefined) verifiedBy.set(claims, kid);
  });
  const dropKey = (kid: string): number => {
    const dropped = cache?.dropKey(kid) ?? 0;
    logger.info({ kid, dropped }, 'a key left the key ring: its cached tokens are dropped');
    return dropped;
  };
  const stopKeyWatch = onKeyRemoved((kid) => dropKey(kid));
  const set = new RevocationSet();
  const registry = options.registry ?? new Registry();
  const keyMetrics = registerKeyRingMetrics(registry, keyRing);
  onKeyRemoved((_kid, reason) => keyMetrics.removed.inc({ reason }));
  // Each revocation applied once the feed has caught up is timed from its occurredAt (replays of
  // older events at start-up are not propagation); then the caller's own callback, if any.
  const onApplied = (envelope: AnyEventEnvelope, source: FeedSource): void => {
    if (handle.feed()?.caughtUp) {
      const delayMs = o.now() - Date.parse(envelope.occurredAt);
      if (Number.isFinite(delayMs)) metrics.propagation.observe({ source }, Math.max(0, delayMs) / 1000);
    }
    resolved.onApplied?.(envelope, source);
  };
  const o = {
    ...resolved,
    onApplied,
    ...(options.keyFeed === false || live === undefined
      ? {}
      : {
          onKeySet: (envelope: EventEnvelope<KeySetUpdatedEvent>) => {
            const change = live.applyKeySet(envelope.data);
            keyMetrics.keySets.inc({ result: change.applied ? 'applied' : 'stale' });
          },
        }),
  };
  const handle = startFeed(options.nats, set, o, logger);
  let markClosed!: () => void;
  const closedSignal = new Promise<void>((resolve) => (markClosed = resolve));
  let connection: NatsConnection | undefined;
  handle.connecting.then(
    (nc) => (connection = nc),
    () => undefined,
  );

  const guard = new StalenessGuard(handle.feed, {
    maxStalenessMs: o.maxStalenessMs,
    policy: o.policy,
    now: o.now,
    logger,
    // Only ever called on a request, after `metrics` exists.
    onServedStale: () => metrics.staleServed.inc(),
    onClosedStale: () => watches.endAll('stale'),
  });
  const watches = new ClaimWatches(set, {
    tokenNow: o.tokenNow,
    clockToleranceSeconds: o.clockToleranceSeconds,
    logger,
    onEnded: (reason) => watchMetrics.ended.inc({ reason }),
  });
  const watchMetrics = registerWatchMetrics(registry, () => watches.size);
  if (cache) registerTokenCacheMetrics(registry, cache);
  const metrics = registerKitMetrics(registry, set, handle.feed, () => {
    const ms = guard.stalenessMs();
    return { seconds: ms === null ? 0 : ms / 1000, stale: guard.isStale() };
  });

  /** Housekeeping once a second: prune expired revocations, log staleness changes. */
  const maintenance = setInterval(() => {
    set.prune(Math.floor(o.tokenNow() / 1000) - o.clockToleranceSeconds, PRUNE_BUDGET);
    guard.logChange();
  }, MAINTENANCE_INTERVAL_MS);
  maintenance.unref();

  /** Checked on every use of verified claims, cached or not. */
  const stillValid = (claims: AccessClaims): AccessClaims => {
    if (set.match(claims) !== undefined) throw new TokenRevokedError();
    guard.check();
    return claims;
  };
  const authenticate = (token: string): AccessClaims => stillValid(verifier.verify(token));
  onKeyRemoved((kid, reason) => {
    if (reason === 'withdrawn') watches.keyWithdrawn(kid);
  });

  const onRefused = (err: AuthbusError): void => metrics.authFailures.inc({ code: err.code });
  const authenticateRequest = requestAuthenticator(requestAuthentication(verifier, stillValid), onRefused);
  const { requireAuth, requireRole } = requireAuthWith(authenticateRequest);

  return {
    currentUser: currentUserMiddleware(authenticateRequest),
    requireAuth,
    requireRole,
    errorHandler: createErrorHandler(logger),
    authenticate,
    readiness() {
      const ms = guard.stalenessMs();
      return {
        ready: guard.ready(),
        nats: connection !== undefined && connectionState(connection).connected,
        caughtUp: handle.feed()?.caughtUp ?? false,
        stalenessSeconds: ms === null ? null : ms / 1000,
        stale: guard.isStale(),
      };
    },
    async whenReady() {
      const ready = handle.started.then(() => handle.feed()?.whenCaughtUp());
      await Promise.race([
        ready,
        closedSignal.then(() => {
          throw new Error('The auth kit was closed before the revocation feed caught up');
        }),
      ]);
    },
    metrics: registry,
    revocations: set,
    dropKey,
    keyRing,
    onKeyRemoved,
    onRevoked(listener) {
      return set.onRevoked((revocation) => {
        try {
          listener(revocation);
        } catch (err) {
          logger.error({ err: String(err), revocation }, 'an onRevoked listener failed');
        }
      });
    },
    watch: (claims, onEnd) => watches.watch(claims, onEnd, verifiedBy.get(claims)),
    connection: () => handle.connecting,
    async close() {
      clearInterval(maintenance);
      stopKeyWatch?.();
      cache?.clear();
      watches.clear();
      markClosed();
      await handle.close();
    },
  };
}
