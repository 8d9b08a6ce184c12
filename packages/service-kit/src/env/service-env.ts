import { parseList } from './list';
import { parseLogLevel, type LogLevel } from './log-level';
import { parsePort } from './port';
import { parseTrustProxy, type TrustProxy } from './trust-proxy';

/** Where a service keeps its data: MongoDB when `MONGO_URI` is set, else process memory. */
export type StoreChoice = { kind: 'memory' } | { kind: 'mongo'; uri: string };

/** The variables every HTTP service behind the ingress reads alike. */
export interface ServiceEnv {
  PORT?: string | undefined;
  LOG_LEVEL?: string | undefined;
  TRUST_PROXY?: string | undefined;
  ALLOWED_ORIGINS?: string | undefined;
  MONGO_URI?: string | undefined;
}

/** What those variables configure; a service's config extends it. */
export interface ServiceBasics {
  port: number;
  logLevel: LogLevel;
  /** Express `trust proxy`: who may set X-Forwarded-For/Proto (the ingress or gateway). */
  trustProxy: TrustProxy;
  /** Browser origins allowed to make state-changing requests, besides the request's own host. */
  allowedOrigins: string[];
  store: StoreChoice;
}

/** Read the shared variables; `defaultPort` is the service's own (3001 auth, 3002 tickets). */
export function serviceBasicsFromEnv(env: ServiceEnv, defaultPort: number): ServiceBasics {
  return {
    port: parsePort(env.PORT, 'PORT', defaultPort),
    logLevel: parseLogLevel(env.LOG_LEVEL),
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    allowedOrigins: parseList(env.ALLOWED_ORIGINS),
    store: env.MONGO_URI ? { kind: 'mongo', uri: env.MONGO_URI } : { kind: 'memory' },
  };
}
