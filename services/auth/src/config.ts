import {
  ConfigError,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  authKitOptionsFromEnv,
  parseDuration,
  type AuthKitEnv,
  type AuthKitOptions,
} from '@authbus/common';

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
  trustProxy: string | boolean;
  /** Stream retention: must cover a token lifetime plus tolerance. */
  streamMaxAgeMs: number;
  streamReplicas: number;
  /** `/readyz` is 503 while the oldest unpublished event is older than this, ms. */
  outboxMaxLagMs: number;
  signinLimits: { perIp: number; perAccount: number; windowMs: number };
  /** scrypt cost (N) for new password hashes; a power of two. */
  scryptCost: number;
  /** Allowed browser origins for state-changing requests, besides the request's own host. */
  allowedOrigins: string[];
  logLevel: string;
}

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
  SIGNIN_LIMIT_WINDOW?: string | undefined;
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
    trustProxy: trustProxy(env.TRUST_PROXY),
    streamMaxAgeMs,
    streamReplicas: integer(env.AUTH_STREAM_REPLICAS ?? '1', 'AUTH_STREAM_REPLICAS', 1, 5),
    outboxMaxLagMs: parseDuration(env.OUTBOX_MAX_LAG ?? '30s', 'OUTBOX_MAX_LAG'),
    signinLimits: {
      perIp: integer(env.SIGNIN_LIMIT_PER_IP ?? '50', 'SIGNIN_LIMIT_PER_IP', 1, 1_000_000),
      perAccount: integer(env.SIGNIN_LIMIT_PER_ACCOUNT ?? '10', 'SIGNIN_LIMIT_PER_ACCOUNT', 1, 1_000_000),
      windowMs: parseDuration(env.SIGNIN_LIMIT_WINDOW ?? '15m', 'SIGNIN_LIMIT_WINDOW'),
    },
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

function trustProxy(value: string | undefined): string | boolean {
  if (value === undefined || value === '') return 'loopback, linklocal, uniquelocal';
  if (/^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return value;
}
