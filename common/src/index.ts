/**
 * `@authbus/common`: verify cookie-session JWTs in-process and enforce logout and ban events
 * from NATS JetStream. See the README for the three-line set-up.
 *
 * This entry point is what a service that *verifies* tokens needs; it is the public, semver-bound
 * API. What only the auth service (the issuer) uses is in `@authbus/common/issuer`; test helpers
 * are in `@authbus/common/testing`. Nothing else of the package is public.
 */

// Errors
export { ErrorCodes } from './errors/codes';
export type { ErrorCode, ErrorItem } from './errors/codes';
export { AuthbusError, isAuthbusError } from './errors/authbus-error';
export {
  TokenInvalidError,
  TokenExpiredError,
  TokenNotYetValidError,
  TokenRevokedError,
  KeyUnknownError,
  KeyAmbiguousError,
  CookieMalformedError,
} from './errors/token-errors';
export {
  NotAuthenticatedError,
  ForbiddenError,
  CrossSiteRequestError,
  BadRequestError,
  RequestValidationError,
  NotFoundError,
  ConflictError,
  PayloadTooLargeError,
  RateLimitedError,
  ServiceUnavailableError,
  BadGatewayError,
} from './errors/http-errors';
export { FeedNotReadyError, FeedStaleError } from './errors/feed-errors';
export { EventInvalidError } from './errors/event-invalid-error';
export { MirrorUnusableError } from './errors/mirror-unusable-error';
export { ConfigError } from './errors/config-error';

// Tokens
export type { AccessClaims } from './tokens/claims';
export { createKeyRing } from './tokens/key-ring';
export type { JwtAlgorithm, JwtKey, KeyRing, KeySpec } from './tokens/key-ring';
export { keyRingFromEnv } from './tokens/key-ring-from-env';
export { createRemoteJwksKeyRing } from './tokens/remote-jwks-key-ring';
export type { RemoteJwksKeyRing, RemoteJwksOptions } from './tokens/remote-jwks-key-ring';
export type { ClaimMapping } from './tokens/claim-mapping';
export type { KeyRingEnv } from './tokens/key-ring-from-env';
export { keyRingFromJwks, keySpecsFromJwks } from './tokens/key-ring-from-jwks';
export { publicJwkOf, jwksOf } from './tokens/jwk';
export { LiveKeyRing } from './tokens/live-key-ring';
export type { KeyRemovalReason, KeySetChange } from './tokens/live-key-ring';
export type { EcPublicJwk, RsaPublicJwk, PublicJwk, JsonWebKeySet } from './tokens/jwk';
export { DEFAULT_ISSUER, DEFAULT_AUDIENCE, DEFAULT_CLOCK_TOLERANCE_SECONDS } from './tokens/token-options';
export type { TokenOptions } from './tokens/token-options';
export { verifyAccessToken, createTokenVerifier } from './tokens/verify-access-token';
export type { VerifyOptions } from './tokens/verify-access-token';
export { DEFAULT_TOKEN_CACHE_ENTRIES, DEFAULT_TOKEN_CACHE_BYTES } from './tokens/verified-token-cache';
export type { TokenCacheOptions } from './tokens/verified-token-cache';

// Service identity
export { SERVICE_TOKEN_TYPE, SERVICE_NAME_PATTERN } from './tokens/service-claims';
export type {
  AnyServiceTokenClaims,
  DelegatedTokenClaims,
  ServiceSubject,
  ServiceTokenClaims,
} from './tokens/service-claims';
export { createServiceTokenVerifier } from './tokens/verify-service-token';
export { credentialIdOf } from './tokens/credential-id';
export { serviceCredential, signClientAssertion, JWT_BEARER_ASSERTION_TYPE } from './tokens/client-assertion';
export type { ServiceCredential } from './tokens/client-assertion';
export { httpTokenSource } from './calls/token-source';
export type { IssuedToken, ServiceTokenSource } from './calls/token-source';
export type { ServiceCallInit } from './calls/service-calls';

// HTTP
export type { RequestAuth } from './http/request-auth';
export type { Caller } from './http/caller';
export { readSessionToken, SESSION_COOKIE_NAME } from './http/session-cookie';
export { requestToken } from './http/request-token';
export { createErrorHandler, notFound } from './http/error-handler';
export { rejectCrossSite } from './http/reject-cross-site';
export { stopOnSignals } from './http/stop-on-signals';
export { fetchAsUser } from './http/token-relay';
export { requestMetrics } from './http/request-metrics';
export { probeRoutes } from './http/probe-routes';
export type { ReadinessReport } from './http/probe-routes';

// Revocation
export { RevocationSet } from './revocation/revocation-set';
export type {
  AppliedRevocation,
  RevocableClaims,
  RevocationMatch,
  RevocationSetSize,
} from './revocation/revocation-set';
export { RevocationFeed } from './feed/revocation-feed';
export type {
  FeedPosition,
  FeedSnapshotOptions,
  FeedSource,
  FeedStats,
  RevocationFeedOptions,
  SnapshotOutcome,
} from './feed/revocation-feed';
export { SNAPSHOT_BUCKET, SNAPSHOT_FORMAT_VERSION } from './snapshot/snapshot-format';

// Events
export { Subjects, AUTH_STREAM } from './events/subjects';
export type { Subject } from './events/subjects';
export type { AuthEvent, RevocationEvent, EventOf, EventEnvelope, AnyEventEnvelope } from './events/auth-event';
export type { SessionRevokedEvent, SessionRevokedReason } from './events/session-revoked-event';
export type { UserBannedEvent } from './events/user-banned-event';
export type { UserCutOff } from './events/user-cut-off';
export type { UserSessionsRevokedEvent } from './events/user-sessions-revoked-event';
export type { UserUnbannedEvent } from './events/user-unbanned-event';
export type { UserCreatedEvent } from './events/user-created-event';
export type { KeySetUpdatedEvent } from './events/key-set-updated-event';
export type { ServiceRevokedEvent } from './events/service-revoked-event';
export { parseEvent } from './events/parse-event';
export { Listener } from './events/listener';
export type { ListenerOptions } from './events/listener';
export { isStreamNotFound } from './events/auth-stream';
export { ensureRevocationMirror } from './events/revocation-mirror';
export type { EnsureRevocationMirrorOptions, RevocationMirrorOptions } from './events/revocation-mirror';

// Kit
export { createAuthKit } from './kit/create-auth-kit';
export type { AuthKit, KitReadiness } from './kit/create-auth-kit';
export type { WatchedClaims, WatchEnd } from './kit/claim-watches';
export { DEFAULT_MAX_STALENESS_MS } from './kit/auth-kit-options';
export { INSTANCE_MEMORY_MS } from './feed/heartbeat-watch';
export type {
  AuthKitOptions,
  RevocationOptions,
  ServiceIdentityOptions,
  StalenessPolicy,
} from './kit/auth-kit-options';
export { authKitOptionsFromEnv } from './kit/auth-kit-options-from-env';
export type { AuthKitEnv } from './kit/auth-kit-options-from-env';

// Infrastructure
export { connectNats } from './nats/connect-nats';
export { KIT_PING_INTERVAL_MS } from './kit/start-feed';
export type { NatsOptions } from './nats/connect-nats';
export { connectionState } from './nats/connection-state';
export type { ConnectionEvent, ConnectionState } from './nats/connection-state';
export { createLogger, silentLogger } from './logging/logger';
export type { Logger } from './logging/logger';
export { parseDuration } from './config/duration';
