/**
 * `@authbus/common/issuer`: what only the service that *issues* tokens and publishes revocations
 * (the auth service) uses: signing, setting the session cookie, creating and publishing events,
 * owning the `AUTH` stream. A service that only verifies tokens needs none of it (`@authbus/common`).
 */

// Tokens
export type { AccessTokenSubject } from '../tokens/claims';
export { signAccessToken, newTokenId, DEFAULT_ACCESS_TOKEN_TTL_SECONDS } from '../tokens/sign-access-token';
export type { SignOptions, SignedAccessToken } from '../tokens/sign-access-token';
export { signServiceToken, signDelegatedToken, DEFAULT_SERVICE_TOKEN_TTL_SECONDS } from '../tokens/sign-service-token';
export type { ServiceTokenRequest, SignedServiceToken } from '../tokens/sign-service-token';
export { CLIENT_ASSERTION_TYPE, MAX_CLIENT_ASSERTION_SECONDS } from '../tokens/client-assertion';
export { isServiceName } from '../tokens/service-claims';
export { verifyClientAssertion } from '../tokens/verify-client-assertion';
export type { ClientAssertionOptions, VerifiedClientAssertion } from '../tokens/verify-client-assertion';

// The session cookie
export { sessionCookie, setSessionToken, clearSessionCookie, encodeSessionCookieValue } from '../http/session-cookie';
export type { SessionCookieOptions } from '../http/session-cookie';

// Events and the AUTH stream
export { createEnvelope } from '../events/create-envelope';
export { publishEnvelope, DEFAULT_PUBLISH_TIMEOUT_MS } from '../events/publish-envelope';
export { Publisher } from '../events/publisher';
export type { Published } from '../events/publisher';
export { ensureAuthStream, MIN_DUPLICATE_WINDOW_MS } from '../events/auth-stream';
export type { AuthStreamOptions } from '../events/auth-stream';
export { AUTH_HEARTBEAT_SUBJECT, encodeHeartbeat } from '../events/auth-heartbeat';
export { answeredWithoutLeader } from '../feed/stream-sync-monitor';
export type { AuthHeartbeat } from '../events/auth-heartbeat';

// Applying a revocation to this instance's own set at once
export { applyRevocation } from '../revocation/apply-revocation';

// The revocation snapshot verifiers load before replaying the stream
export {
  RevocationSnapshotWriter,
  DEFAULT_SNAPSHOT_EVERY_EVENTS,
  DEFAULT_SNAPSHOT_INTERVAL_MS,
} from '../snapshot/snapshot-writer';
export type { SnapshotWriterOptions, SnapshotWritten } from '../snapshot/snapshot-writer';
