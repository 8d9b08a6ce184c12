import {
  ConfigError,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  authKitOptionsFromEnv,
  parseDuration,
  type AuthKitEnv,
  type AuthKitOptions,
} from '@authbus/common';
import { parseTrustProxy, type TrustProxy } from './http/trust-proxy';

/** The auth service's configuration: read once from the environment, validated, typed. */
export interface AuthConfig {
  port: number;
  /** Everything the auth kit needs (keys, NATS, staleness). */
  kit: AuthKitOptions;
  /** `mongo` when `MONGO_URI` is set, else `memory`. */
  store: { kind: 'memory' } | { kind: 'mongo'; uri: string };
  accessTokenTtlSeconds: number;
  /** A session can be refreshed until this long after sign-in. */
  sessionTtlSeconds: number;
  /** An old token presented to refresh within this window after a rotation is a concurrent tab, not reuse. */
  refreshGraceSeconds: number;
  clockToleranceSeconds: number;
  adminEmails: ReadonlySet<string>;
  cookieSecure: boolean;
  /** Express `trust proxy`: who may set X-Forwarded-For/Proto (the ingress or gateway). */
  trustProxy: TrustProxy;
  /** Stream retention: must cover a token lifetime plus tolerance. */
  streamMaxAgeMs: number;
  streamReplicas: number;
  /** `/readyz` is 503 while the oldest unpublished event is older than this, ms. */
  outboxMaxLagMs: number;
  signinLimits: {
    /** Sign-in attempts per client address (an IPv4 address, an IPv6 /64). */
    perIp: number;
    /** Failed sign-ins per account from one client address; a success resets it. */
    perAccount: number;
    /** Failed sign-ins per account from all addresses together (default 10 × `perAccount`); more than `perAccount`, so one address can't reach it. */
    perAccountTotal: number;
    windowMs: number;
  };
  /** Sign-ups per client address. */
  signupLimits: { perIp: number; windowMs: number };
  /** Where the limits count: this process, or a store every replica shares. */
  rateLimitStore: RateLimitStoreConfig;
  /** Prefix of every rate-limit key (Redis keys, MongoDB collections), so deployments can share a store. */
  rateLimitKeyPrefix: string;
  /** scrypt cost (N) for new password hashes; a power of two. */
  scryptCost: number;
  /** Allowed browser origins for state-changing requests, besides the request's own host. */
  allowedOrigins: string[];
  logLevel: string;
}

/** `memory`: per process. `redis`, `mongo`: shared by every replica (mongo uses the store's connection). */
export type RateLimitStoreConfig = { kind: 'memory' } | { kind: 'redis'; url: string } | { kind: 'mongo' };

/** The environment variables the auth service reads (see the README's configuration table). */
export interface AuthEnv extends AuthKitEnv {
  PORT?: string | undefined;
  MONGO_URI?: string | undefined;
  ACCESS_TOKEN_TTL?: string | undefined;
  SESSION_TTL?: string | undefined;
  REFRESH_GRACE?: string | undefined;
  ADMIN_EMAILS?: string | undefined;
  COOKIE_SECURE?: string | undefined;
  NODE_ENV?: string | undefined;
  TRUST_PROXY?: string | undefined;
  AUTH_STREAM_MAX_AGE?: string | undefined;
  AUTH_STREAM_REPLICAS?: string | undefined;
  OUTBOX_MAX_LAG?: string | undefined;
  SIGNIN_LIMIT_PER_IP?: string | undefined;
  SIGNIN_LIMIT_PER_ACCOUNT?: string | undefined;
  SIGNIN_LIMIT_PER_ACCOUNT_TOTAL?: string | undefined;
  SIGNIN_LIMIT_WINDOW?: string | undefined;
  SIGNUP_LIMIT_PER_IP?: string | undefined;
  SIGNUP_LIMIT_WINDOW?: string | undefined;
  RATE_LIMIT_STORE?: string | undefined;
  REDIS_URL?: string | undefined;
  RATE_LIMIT_KEY_PREFIX?: string | undefined;
  PASSWORD_SCRYPT_COST?: string | undefined;
  ALLOWED_ORIGINS?: string | undefined;
  LOG_LEVEL?: string | undefined;
}

/**
 * The shortest `AUTH` stream retention that keeps every revocation while a token it refuses can be
 * accepted. Every `until` the service publishes is at most `occurredAt` + lifetime + tolerance
 * (sessions/revoke.ts), and a verifier accepts a token until `exp` + tolerance, so a replica that
 * starts later must still find the event up to lifetime + 2 × tolerance after it was made.
 */
export function minStreamMaxAgeSeconds(accessTokenTtlSeconds: number, clockToleranceSeconds: number): number {
  return accessTokenTtlSeconds + 2 * clockToleranceSeconds;
}

/** Read and validate the configuration; throws `ConfigError` naming the variable at fault. */
export function loadConfig(env: AuthEnv = process.env): AuthConfig {
  const accessTokenTtlSeconds = seconds(env.ACCESS_TOKEN_TTL ?? '15m', 'ACCESS_TOKEN_TTL');
  const clockToleranceSeconds = env.JWT_CLOCK_TOLERANCE
    ? seconds(env.JWT_CLOCK_TOLERANCE, 'JWT_CLOCK_TOLERANCE')
    : DEFAULT_CLOCK_TOLERANCE_SECONDS;
  const minMaxAgeMs = minStreamMaxAgeSeconds(accessTokenTtlSeconds, clockToleranceSeconds) * 1000;
  const streamMaxAgeMs = env.AUTH_STREAM_MAX_AGE
    ? parseDuration(env.AUTH_STREAM_MAX_AGE, 'AUTH_STREAM_MAX_AGE')
    : minMaxAgeMs + 5 * 60_000;
  if (streamMaxAgeMs < minMaxAgeMs) {
    throw new ConfigError(
      `AUTH_STREAM_MAX_AGE must be at least ACCESS_TOKEN_TTL + 2 × clock tolerance (${minMaxAgeMs / 1000}s): ` +
        'a revocation refuses tokens for up to a lifetime plus the tolerance after it is made, and a replica replaying the stream needs it that long plus the tolerance',
    );
  }
  const kit = authKitOptionsFromEnv('auth', env);
  try {
    kit.keyRing.signer();
  } catch {
    throw new ConfigError('The auth service signs tokens: set JWT_KEY, or JWT_KEYS with JWT_ACTIVE_KID, or JWT_PRIVATE_KEY with JWT_ACTIVE_KID');
  }
  const scryptCost = integer(env.PASSWORD_SCRYPT_COST ?? '16384', 'PASSWORD_SCRYPT_COST', 1024, 1 << 20);
  if ((scryptCost & (scryptCost - 1)) !== 0) throw new ConfigError('PASSWORD_SCRYPT_COST must be a power of two');
  return {
    port: integer(env.PORT ?? '3001', 'PORT', 0, 65535),
    kit,
    store: env.MONGO_URI ? { kind: 'mongo', uri: env.MONGO_URI } : { kind: 'memory' },
    accessTokenTtlSeconds,
    sessionTtlSeconds: seconds(env.SESSION_TTL ?? '7d', 'SESSION_TTL'),
    refreshGraceSeconds: seconds(env.REFRESH_GRACE ?? '10s', 'REFRESH_GRACE'),
    clockToleranceSeconds,
    adminEmails: new Set(
      (env.ADMIN_EMAILS ?? '')
        .split(',')
        .map((e) => e.trim().toLowerCase())
        .filter(Boolean),
    ),
    cookieSecure: env.COOKIE_SECURE !== undefined ? bool(env.COOKIE_SECURE, 'COOKIE_SECURE') : env.NODE_ENV !== 'test',
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    streamMaxAgeMs,
    streamReplicas: integer(env.AUTH_STREAM_REPLICAS ?? '1', 'AUTH_STREAM_REPLICAS', 1, 5),
    outboxMaxLagMs: parseDuration(env.OUTBOX_MAX_LAG ?? '30s', 'OUTBOX_MAX_LAG'),
    signinLimits: signinLimits(env),
    signupLimits: {
      perIp: integer(env.SIGNUP_LIMIT_PER_IP ?? '30', 'SIGNUP_LIMIT_PER_IP', 1, 1_000_000),
      windowMs: limitWindow(env.SIGNUP_LIMIT_WINDOW ?? '15m', 'SIGNUP_LIMIT_WINDOW'),
    },
    rateLimitStore: rateLimitStore(env),
    rateLimitKeyPrefix: keyPrefix(env.RATE_LIMIT_KEY_PREFIX ?? 'authbus'),
    scryptCost,
    allowedOrigins: (env.ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    logLevel: env.LOG_LEVEL ?? 'info',
  };
}

function seconds(value: string, name: string): number {
  return Math.round(parseDuration(value, name) / 1000);
}

function integer(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name}="${value}" must be an integer from ${min} to ${max}`);
  return n;
}

function bool(value: string, name: string): boolean {
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new ConfigError(`${name}="${value}" must be true or false`);
}

function signinLimits(env: AuthEnv): AuthConfig['signinLimits'] {
  const perAccount = integer(env.SIGNIN_LIMIT_PER_ACCOUNT ?? '10', 'SIGNIN_LIMIT_PER_ACCOUNT', 1, 1_000_000);
  // By default an account-wide lock takes 10 addresses, each at its own limit.
  const perAccountTotal = env.SIGNIN_LIMIT_PER_ACCOUNT_TOTAL
    ? integer(env.SIGNIN_LIMIT_PER_ACCOUNT_TOTAL, 'SIGNIN_LIMIT_PER_ACCOUNT_TOTAL', 2, 10_000_000)
    : 10 * perAccount;
  // Each address adds at most `perAccount` failures to the account-wide count; if that alone
  // reached the account-wide limit, one address could lock anyone out.
  if (perAccountTotal <= perAccount) {
    throw new ConfigError(
      `SIGNIN_LIMIT_PER_ACCOUNT_TOTAL (${perAccountTotal}) must be more than SIGNIN_LIMIT_PER_ACCOUNT (${perAccount}): otherwise one address could lock an account for everyone`,
    );
  }
  return {
    perIp: integer(env.SIGNIN_LIMIT_PER_IP ?? '50', 'SIGNIN_LIMIT_PER_IP', 1, 1_000_000),
    perAccount,
    perAccountTotal,
    windowMs: limitWindow(env.SIGNIN_LIMIT_WINDOW ?? '15m', 'SIGNIN_LIMIT_WINDOW'),
  };
}

/** Windows are whole seconds of at least one: the stores count in seconds (Redis `EX`). */
function limitWindow(value: string, name: string): number {
  const ms = parseDuration(value, name);
  if (ms < 1000 || ms > 24 * 3600_000) throw new ConfigError(`${name}="${value}" must be from 1s to 24h`);
  return Math.round(ms / 1000) * 1000;
}

function rateLimitStore(env: AuthEnv): RateLimitStoreConfig {
  const kind = env.RATE_LIMIT_STORE || (env.REDIS_URL ? 'redis' : 'memory');
  switch (kind) {
    case 'memory':
      return { kind };
    case 'redis': {
      if (!env.REDIS_URL) throw new ConfigError('RATE_LIMIT_STORE=redis needs REDIS_URL (e.g. redis://redis:6379)');
      let url: URL;
      try {
        url = new URL(env.REDIS_URL);
      } catch {
        throw new ConfigError(`REDIS_URL="${env.REDIS_URL}" is not a URL (e.g. redis://redis:6379)`);
      }
      if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new ConfigError(`REDIS_URL="${env.REDIS_URL}" must start with redis:// or rediss://`);
      return { kind, url: env.REDIS_URL };
    }
    case 'mongo':
      if (!env.MONGO_URI) throw new ConfigError('RATE_LIMIT_STORE=mongo needs MONGO_URI: the limits live in the auth store’s MongoDB');
      return { kind };
    default:
      throw new ConfigError(`RATE_LIMIT_STORE="${kind}" must be memory, redis or mongo`);
  }
}

function keyPrefix(value: string): string {
  // Also a MongoDB collection name and a Redis key part: keep it plain.
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(value)) throw new ConfigError(`RATE_LIMIT_KEY_PREFIX="${value}" must be 1 to 40 letters, digits, _ or -`);
  return value;
}
