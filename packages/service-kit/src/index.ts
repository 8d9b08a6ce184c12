/**
 * `@authbus/service-kit` (private): the plumbing every authbus service shares, written once. The
 * published library is `@authbus/common`; this is what our own services need besides it.
 */

// Entry point
export { runService } from './run-service';
export type { RunnableConfig, RunnableService, RunServiceOptions } from './run-service';

// Environment
export { parseBoolean } from './env/boolean';
export { parseDurationMs, parseWholeSeconds } from './env/duration';
export { parseInteger } from './env/integer';
export { parseList } from './env/list';
export { parseLogLevel, LOG_LEVELS } from './env/log-level';
export type { LogLevel } from './env/log-level';
export { parsePort } from './env/port';
export { present } from './env/present';
export { serviceBasicsFromEnv } from './env/service-env';
export type { ServiceBasics, ServiceEnv, StoreChoice } from './env/service-env';
export { parseTrustProxy } from './env/trust-proxy';
export type { TrustProxy } from './env/trust-proxy';
export { parseUrl } from './env/url';

// HTTP
export { jsonBody, BODY_LIMIT } from './json-body';
export { validateRequest } from './validate-request';
export { paging, MAX_OFFSET } from './paging';

// Stores
export { newId, isId } from './ids';
