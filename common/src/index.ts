/**
 * `@authbus/common`: verify cookie-session JWTs in-process and enforce logout and ban events
 * from NATS JetStream. See the README for the three-line set-up.
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
export type { AccessClaims, AccessTokenSubject } from './tokens/claims';
export { createKeyRing, MIN_SECRET_BYTES } from './tokens/key-ring';
export type { JwtAlgorithm, JwtKey, KeyRing, KeySpec } from './tokens/key-ring';
export { keyRingFromEnv, DEFAULT_KID } from './tokens/key-ring-from-env';
export type { KeyRingEnv } from './tokens/key-ring-from-env';
export { DEFAULT_ISSUER, DEFAULT_AUDIENCE, DEFAULT_CLOCK_TOLERANCE_SECONDS } from './tokens/token-options';
export type { TokenOptions } from './tokens/token-options';
export { signAccessToken, newTokenId, DEFAULT_ACCESS_TOKEN_TTL_SECONDS } from './tokens/sign-access-token';
export type { SignOptions, SignedAccessToken } from './tokens/sign-access-token';
export { verifyAccessToken, createTokenVerifier } from './tokens/verify-access-token';
export type { VerifyOptions } from './tokens/verify-access-token';
export { decodeHeader, MAX_TOKEN_LENGTH } from './tokens/decode-header';
export type { TokenHeader } from './tokens/decode-header';

// HTTP
export {
  sessionCookie,
  setSessionToken,
  clearSessionCookie,
  readSessionToken,
  encodeSessionCookieValue,
  SESSION_COOKIE_NAME,
  MAX_SESSION_COOKIE_LENGTH,
} from './http/session-cookie';
export type { SessionCookieOptions } from './http/session-cookie';
export { requestToken } from './http/request-token';
export { currentUserMiddleware } from './http/current-user';
export { requireAuth, requireRole } from './http/require-auth';
export { createErrorHandler, notFound } from './http/error-handler';
export { rejectCrossSite } from './http/reject-cross-site';
export { stopOnSignals } from './http/stop-on-signals';
export { relayHeaders, fetchAsUser } from './http/token-relay';
export { requestMetrics } from './http/request-metrics';
export { probeRoutes } from './http/probe-routes';
export type { ReadinessReport } from './http/probe-routes';

// Revocation
export { RevocationSet } from './revocation/revocation-set';
export type { RevocableClaims, RevocationMatch, RevocationSetSize } from './revocation/revocation-set';
export { applyRevocation } from './revocation/apply-revocation';
export { RevocationFeed } from './revocation/revocation-feed';
export type { FeedSource, FeedStats, RevocationFeedOptions } from './revocation/revocation-feed';

// Events
export { Subjects, AUTH_STREAM, AUTH_SUBJECTS, EVENT_VERSION, isSubject } from './events/subjects';
export type { Subject } from './events/subjects';
export type { AuthEvent, RevocationEvent, EventOf, EventEnvelope, AnyEventEnvelope } from './events/auth-event';
export type { SessionRevokedEvent, SessionRevokedReason } from './events/session-revoked-event';
export type { UserBannedEvent } from './events/user-banned-event';
export type { UserCutOff } from './events/user-cut-off';
export type { UserSessionsRevokedEvent } from './events/user-sessions-revoked-event';
export type { UserUnbannedEvent } from './events/user-unbanned-event';
export type { UserCreatedEvent } from './events/user-created-event';
export { createEnvelope } from './events/create-envelope';
export { parseEvent, validateEnvelope, MAX_EVENT_BYTES } from './events/parse-event';
export { publishEnvelope, DEFAULT_PUBLISH_TIMEOUT_MS } from './events/publish-envelope';
export { Publisher } from './events/publisher';
export type { Published } from './events/publisher';
export { Listener } from './events/listener';
export type { ListenerOptions } from './events/listener';
export { ensureAuthStream, authStreamConfig, isStreamNotFound, MIN_DUPLICATE_WINDOW_MS } from './events/auth-stream';
export type { AuthStreamOptions } from './events/auth-stream';
export { ensureRevocationMirror, revocationMirrorConfig } from './events/revocation-mirror';
export type { EnsureRevocationMirrorOptions, RevocationMirrorOptions } from './events/revocation-mirror';

// Kit
export { createAuthKit } from './kit/create-auth-kit';
export type { AuthKit, KitReadiness } from './kit/create-auth-kit';
export { DEFAULT_MAX_STALENESS_MS } from './kit/auth-kit-options';
export type { AuthKitOptions, RevocationOptions, StalenessPolicy } from './kit/auth-kit-options';
export { authKitOptionsFromEnv } from './kit/auth-kit-options-from-env';
export type { AuthKitEnv } from './kit/auth-kit-options-from-env';
export { APPROX_BYTES_PER_ENTRY } from './kit/kit-metrics';

// Infrastructure
export { connectNats } from './nats/connect-nats';
export type { NatsOptions } from './nats/connect-nats';
export { createLogger, silentLogger } from './logging/logger';
export type { Logger } from './logging/logger';
export { parseDuration } from './config/duration';
