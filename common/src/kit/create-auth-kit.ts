import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import type { NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import type { AuthbusError } from '../errors/authbus-error';
import type { AnyEventEnvelope } from '../events/auth-event';
import type { FeedPosition, FeedSource } from '../feed/revocation-feed';
import { createServiceCalls, type ServiceCallInit } from '../calls/service-calls';
import { TokenRevokedError } from '../errors/token-errors';
import type { Caller } from '../http/caller';
import { currentUserMiddleware, requestAuthenticator } from '../http/current-user';
import { createErrorHandler } from '../http/error-handler';
import { installRequestAuthSlots } from '../http/request-auth-slots';
import { requireAuthWith } from '../http/require-auth';
import { requireService } from '../http/require-service';
import { connectionState } from '../nats/connection-state';
import { RevocationSet, type AppliedRevocation } from '../revocation/revocation-set';
import type { AccessClaims } from '../tokens/claims';
import type { KeyRing } from '../tokens/key-ring';
import { createCachedTokenVerifier } from '../tokens/cached-token-verifier';
import { VerifiedTokenCache } from '../tokens/verified-token-cache';
import { decodeHeader } from '../tokens/decode-header';
import { SERVICE_TOKEN_TYPE, delegatedUser } from '../tokens/service-claims';
import { createServiceTokenVerifier } from '../tokens/verify-service-token';
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
  /**
   * Middleware factory: only these services may call (their own token, or acting for a user with
   * an exchanged token addressed to this service); 403 for users and other services.
   */
  requireService(...names: string[]): RequestHandler;
  /**
   * `fetch` with a token of this service's own for `audience` (client credentials), obtained from
   * the auth service, cached and renewed before it expires. Needs `service.tokenSource`
   * (`SERVICE_PRIVATE_KEY`).
   *
   * ```ts
   * await kit.fetchAsService(`${ticketsUrl}/internal/users/${id}/hide`, { audience: 'tickets', method: 'POST' });
   * ```
   */
  fetchAsService(url: string | URL, init: ServiceCallInit): Promise<Response>;
  /**
   * `fetch` on behalf of the request's user, with the user's token exchanged for one addressed
   * to `audience` only (RFC 8693), carrying the user and this service as `act`; cached per user and
   * audience. The callee sees the user (`req.currentUser`) and who acts (`req.caller`).
   */
  fetchOnBehalf(req: Request, url: string | URL, init: ServiceCallInit): Promise<Response>;
  /** Error middleware: typed errors → status + `{ errors }`; unknown → 500, logged. */
  readonly errorHandler: ErrorRequestHandler;
  /** Verify a user's token and check revocation outside HTTP (websockets, jobs). Throws typed errors. */
  authenticate(token: string): AccessClaims;
  /** Verify any token this service accepts (a user's, a service's, a delegated one): who called. */
  authenticateCaller(token: string): Caller;
  /** For `/readyz`: connected, caught up, not stale. */
  readiness(): KitReadiness;
  /** Resolves once the retained revocations have been replayed. */
  whenReady(): Promise<void>;
  /** The kit's Prometheus metrics (merge into your `/metrics`). */
  readonly metrics: Registry;
  /** The local revocation set. */
  readonly revocations: RevocationSet;
  /**
   * Where the set stands in the stream once the feed has caught up (`undefined` before): what a
   * snapshot of `revocations` taken now covers.
   */
  revocationPosition(): FeedPosition | undefined;
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

  const verifyService = options.service
    ? createServiceTokenVerifier(keyRing, options.service.name, options.token)
    : undefined;
  const authenticateCaller = (token: string): Caller => {
    // Without a service identity no service token is accepted, and access-token verification
    // refuses them by type anyway: only a service that accepts them decodes the header first.
    if (!verifyService || decodeHeader(token).typ !== SERVICE_TOKEN_TYPE)
      return { kind: 'user', user: authenticate(token) };
    const claims = verifyService(token);
    if (set.isCredentialRevoked(claims.client_id, claims.cid)) throw new TokenRevokedError();
    if (claims.token_use === 'service') {
      guard.check();
      return { kind: 'service', service: claims.client_id, claims };
    }
    const user = delegatedUser(claims);
    // The user's session and cut-offs apply to a token exchanged for them, on every hop.
    if (set.match(user) !== undefined) throw new TokenRevokedError();
    guard.check();
    return { kind: 'delegated', service: claims.client_id, user, claims };
  };
  const calls = createServiceCalls(options.service?.tokenSource, Date.now, (grant, ok) =>
    metrics.serviceTokenRequests.inc({ grant, result: ok ? 'ok' : 'failed' }),
  );
  if (options.service) {
    const own = options.service.name;
    set.onRevoked((r) => {
      if (r.kind === 'credential' && r.service === own) calls.clear();
    });
  }

  installRequestAuthSlots();
  const onRefused = (err: AuthbusError): void => metrics.authFailures.inc({ code: err.code });
  const authenticateRequest = requestAuthenticator(
    requestAuthentication(verifier, stillValid, authenticateCaller),
    onRefused,
  );
  const { requireAuth, requireRole } = requireAuthWith(authenticateRequest);

  return {
    currentUser: currentUserMiddleware(authenticateRequest),
    requireAuth,
    requireRole,
    requireService: (...names) => requireService(authenticateRequest, ...names),
    fetchAsService: (url, init) => calls.fetchAsService(url, init),
    fetchOnBehalf: (req, url, init) => calls.fetchOnBehalf(req, url, init),
    authenticateCaller,
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
    revocationPosition: () => handle.feed()?.position,
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
