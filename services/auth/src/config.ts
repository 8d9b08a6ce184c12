import {
  ConfigError,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  INSTANCE_MEMORY_MS,
  authKitOptionsFromEnv,
  type AuthKitEnv,
  type AuthKitOptions,
} from '@authbus/common';
import { DEFAULT_SNAPSHOT_EVERY_EVENTS } from '@authbus/common/issuer';
import {
  parseBoolean,
  parseDurationMs,
  parseInteger,
  parseList,
  parseUrl,
  parseWholeSeconds,
  present,
  serviceBasicsFromEnv,
  type ServiceBasics,
  type ServiceEnv,
} from '@authbus/service-kit';
import { KeySealer } from './keys/key-sealer';
import { FENCE_ALLOWANCE_MS, fenceAfterMs } from './outbox/revocation-fence';
import { serviceClientsFromJson, type ServiceClients } from './service-identity/service-clients';
import { oidcLogoutFromEnv, type OidcEnv, type OidcLogoutConfig } from './oidc/oidc-config';
import { ssfFromEnv, type SsfConfig, type SsfEnv } from './ssf/ssf-config';

/** The auth service's configuration: read once from the environment, validated, typed. */
export interface AuthConfig extends ServiceBasics {
  /**
   * Everything the auth kit needs (keys, NATS, staleness) and the token options. Its clock
   * tolerance is the one verification uses; revocation horizons, `until` bounds and the stream's
   * retention read the same value (`clockToleranceSeconds(config)`).
   */
  kit: AuthKitOptions;
  accessTokenTtlSeconds: number;
  /** A session can be refreshed until this long after sign-in. */
  sessionTtlSeconds: number;
  /** An old token presented to refresh within this window after a rotation is a concurrent tab, not reuse. */
  refreshGraceSeconds: number;
  adminEmails: ReadonlySet<string>;
  cookieSecure: boolean;
  /** Stream retention: must cover a token lifetime plus tolerance. */
  streamMaxAgeMs: number;
  streamReplicas: number;
  /** Republish each stored event on `auth.live.>` with its sequence (each verifier then gets it once). */
  streamRepublish: boolean;
  /** `/readyz` is 503 while the oldest unpublished event is older than this, ms. */
  outboxMaxLagMs: number;
  /** How often auth publishes its heartbeat (`auth.heartbeat`), ms. */
  heartbeatIntervalMs: number;
  /**
   * `REVOCATION_SILENT_MEMORY`, as verifiers read it: how long they remember a silent auth instance,
   * ms. Against it auth decides which revocations it could not publish it may answer 200 (`RevocationFence`).
   */
  silentMemoryMs: number;
  /** The revocation snapshot verifiers load at start-up: written every `everyEvents` events or `intervalMs`; `undefined`: off. */
  snapshot: { everyEvents: number; intervalMs: number } | undefined;
  signinLimits: {
    /** Sign-in attempts per client address (an IPv4 address, an IPv6 /64). */
    perIp: number;
    /** Sign-in attempts per IPv6 /48 (default 4 × `perIp`); at least `perIp`. */
    perNetwork: number;
    /** Failed sign-ins per account from one client address; a success resets it. */
    perAccount: number;
    /** Failed sign-ins per account from all addresses together (default 10 × `perAccount`); more than `perAccount`, so one address can't reach it. */
    perAccountTotal: number;
    windowMs: number;
  };
  /** Sign-ups per client address, and per IPv6 /48 (default 4 × `perIp`). */
  signupLimits: { perIp: number; perNetwork: number; windowMs: number };
  /** Where the limits count: this process, or a store every replica shares. */
  rateLimitStore: RateLimitStoreConfig;
  /** Prefix of every rate-limit key (Redis keys, MongoDB collections), so deployments can share a store. */
  rateLimitKeyPrefix: string;
  /** scrypt cost (N) for new password hashes; a power of two. */
  scryptCost: number;
  /** Signing keys made by rotation. */
  keys: KeysConfig;
  /** The public base URL of the auth service (`AUTH_PUBLIC_URL`), for `jwks_uri`; else taken from the request. */
  publicUrl: string | undefined;
  /** The services that may ask for tokens and their public keys (`SERVICE_KEYS`). */
  serviceClients: ServiceClients;
  /** Lifetime of service and delegated tokens (`SERVICE_TOKEN_TTL`, 5 min). */
  serviceTokenTtlSeconds: number;
  /** The tickets service, for the calls auth makes to it (hide a banned user's tickets); unset: none. */
  ticketsUrl: string | undefined;
  /** The identity provider whose back-channel logouts are received; undefined when not configured. */
  oidc: OidcLogoutConfig | undefined;
  /** The Shared Signals transmitter (revocations pushed out as SETs); undefined when not configured. */
  ssf: SsfConfig | undefined;
}

/** How `POST /api/keys/rotate` makes keys, and how long they wait before signing. */
export interface KeysConfig {
  /** `KEY_ALGORITHM`: ES256 (P-256, default) or RS256 (RSA 2048). */
  algorithm: 'ES256' | 'RS256';
  /** `KEY_PUBLISH_AHEAD`: a new key is published this long before it signs, ms. */
  publishAheadMs: number;
  /** `KEYS_ENCRYPTION_KEY`: seals private keys in the store; without it rotated keys live in memory only. */
  sealer: KeySealer | undefined;
}

/** `memory`: per process. `redis`, `mongo`: shared by every replica (mongo uses the store's connection). */
export type RateLimitStoreConfig = { kind: 'memory' } | { kind: 'redis'; url: string } | { kind: 'mongo' };

/** The environment variables the auth service reads (see the README's configuration table). */
export interface AuthEnv extends AuthKitEnv, ServiceEnv, OidcEnv, SsfEnv {
  ACCESS_TOKEN_TTL?: string | undefined;
  SESSION_TTL?: string | undefined;
  REFRESH_GRACE?: string | undefined;
  ADMIN_EMAILS?: string | undefined;
  COOKIE_SECURE?: string | undefined;
  NODE_ENV?: string | undefined;
  AUTH_STREAM_MAX_AGE?: string | undefined;
  AUTH_STREAM_REPLICAS?: string | undefined;
  AUTH_STREAM_REPUBLISH?: string | undefined;
  AUTH_HEARTBEAT_INTERVAL?: string | undefined;
  REVOCATION_SNAPSHOT_EVERY?: string | undefined;
  REVOCATION_SNAPSHOT_INTERVAL?: string | undefined;
  OUTBOX_MAX_LAG?: string | undefined;
  SIGNIN_LIMIT_PER_IP?: string | undefined;
  SIGNIN_LIMIT_PER_NETWORK?: string | undefined;
  SIGNIN_LIMIT_PER_ACCOUNT?: string | undefined;
  SIGNIN_LIMIT_PER_ACCOUNT_TOTAL?: string | undefined;
  SIGNIN_LIMIT_WINDOW?: string | undefined;
  SIGNUP_LIMIT_PER_IP?: string | undefined;
  SIGNUP_LIMIT_PER_NETWORK?: string | undefined;
  SIGNUP_LIMIT_WINDOW?: string | undefined;
  RATE_LIMIT_STORE?: string | undefined;
  REDIS_URL?: string | undefined;
  RATE_LIMIT_KEY_PREFIX?: string | undefined;
  PASSWORD_SCRYPT_COST?: string | undefined;
  AUTH_PUBLIC_URL?: string | undefined;
  KEY_ALGORITHM?: string | undefined;
  KEY_PUBLISH_AHEAD?: string | undefined;
  KEYS_ENCRYPTION_KEY?: string | undefined;
  SERVICE_KEYS?: string | undefined;
  SERVICE_TOKEN_TTL?: string | undefined;
  TICKETS_URL?: string | undefined;
}

/**
 * The clock tolerance, seconds, as `authKitOptionsFromEnv` read it from `JWT_CLOCK_TOLERANCE`
 * (once, for every service): the value verification uses, so horizons and bounds use it as well,
 * unrounded (`1500ms` is 1.5 s everywhere).
 */
export function clockToleranceSeconds(config: Pick<AuthConfig, 'kit'>): number {
  return config.kit.token?.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
}

/**
 * The shortest `AUTH` stream retention that keeps every revocation while a token it refuses can be
 * accepted. Every `until` the service publishes is at most `occurredAt` + lifetime + tolerance,
 * the tolerance rounded up to a whole second because `until` is whole seconds
 * (accounts/revocation-times.ts), and a verifier accepts a token until `exp` + tolerance, so a
 * replica that starts later must still find the event that long after it was made: lifetime +
 * 2 × tolerance when the tolerance is whole seconds.
 */
export function minStreamMaxAgeSeconds(accessTokenTtlSeconds: number, clockToleranceSeconds: number): number {
  return accessTokenTtlSeconds + Math.ceil(clockToleranceSeconds) + clockToleranceSeconds;
}

/** Read and validate the configuration; throws `ConfigError` naming the variable at fault. */
export function loadConfig(env: AuthEnv = process.env): AuthConfig {
  const accessTokenTtlSeconds = parseWholeSeconds(env.ACCESS_TOKEN_TTL, 'ACCESS_TOKEN_TTL', '15m');
  const kit = authKitOptionsFromEnv('auth', env);
  const oidc = oidcLogoutFromEnv(env);
  // The stream keeps a revocation as long as the longest-lived token it can refuse: ours or the IdP's.
  const longestLifetime = Math.max(accessTokenTtlSeconds, oidc?.maxTokenLifetimeSeconds ?? 0);
  const minMaxAgeMs = Math.ceil(minStreamMaxAgeSeconds(longestLifetime, clockToleranceSeconds({ kit })) * 1000);
  const streamMaxAgeMs = present(env.AUTH_STREAM_MAX_AGE)
    ? parseDurationMs(env.AUTH_STREAM_MAX_AGE, 'AUTH_STREAM_MAX_AGE', '0s')
    : minMaxAgeMs + 5 * 60_000;
  if (streamMaxAgeMs < minMaxAgeMs) {
    throw new ConfigError(
      `AUTH_STREAM_MAX_AGE must be at least ACCESS_TOKEN_TTL + 2 × clock tolerance (${minMaxAgeMs / 1000}s): ` +
        'a revocation refuses tokens for up to a lifetime plus the tolerance after it is made, and a replica replaying the stream needs it that long plus the tolerance',
    );
  }
  try {
    kit.keyRing.signer();
  } catch {
    throw new ConfigError(
      'The auth service signs tokens: set JWT_KEY, or JWT_KEYS with JWT_ACTIVE_KID, or JWT_PRIVATE_KEY with JWT_ACTIVE_KID',
    );
  }
  const ssf = ssfFromEnv(env);
  // SETs go to outside receivers, who verify them with the public key of the JWKS: a shared secret can't be published.
  if (ssf && kit.keyRing.signer().alg === 'HS256') {
    throw new ConfigError(
      'SSF_ISSUER: Security Event Tokens are signed with the active key, which must be ES256 or RS256 (JWT_PRIVATE_KEY with JWT_ACTIVE_KID), not an HS256 secret',
    );
  }
  const heartbeatIntervalMs = heartbeatInterval(env);
  const silentMemoryMs = kit.revocation?.silentMemoryMs ?? INSTANCE_MEMORY_MS;
  const clockToleranceMs = clockToleranceSeconds({ kit }) * 1000;
  const fenceAfter = fenceAfterMs({ memoryMs: silentMemoryMs, clockToleranceMs, heartbeatIntervalMs });
  if (fenceAfter <= 0) {
    throw new ConfigError(
      `REVOCATION_SILENT_MEMORY (${silentMemoryMs / 1000}s) must be longer than the clock tolerance (${clockToleranceMs / 1000}s) + AUTH_HEARTBEAT_INTERVAL (${heartbeatIntervalMs / 1000}s) + ${FENCE_ALLOWANCE_MS / 1000}s: ` +
        'otherwise auth could never answer a revocation it has not published (every one would be 503 while NATS is unreachable)',
    );
  }
  const scryptCost = parseInteger(env.PASSWORD_SCRYPT_COST, 'PASSWORD_SCRYPT_COST', { min: 1024, max: 1 << 20 }, 16384);
  if ((scryptCost & (scryptCost - 1)) !== 0) throw new ConfigError('PASSWORD_SCRYPT_COST must be a power of two');
  return {
    ...serviceBasicsFromEnv(env, 3001),
    kit,
    accessTokenTtlSeconds,
    sessionTtlSeconds: parseWholeSeconds(env.SESSION_TTL, 'SESSION_TTL', '7d'),
    refreshGraceSeconds: parseWholeSeconds(env.REFRESH_GRACE, 'REFRESH_GRACE', '10s'),
    adminEmails: new Set(parseList(env.ADMIN_EMAILS, { lowercase: true })),
    cookieSecure: parseBoolean(env.COOKIE_SECURE, 'COOKIE_SECURE', env.NODE_ENV !== 'test'),
    streamMaxAgeMs,
    streamReplicas: parseInteger(env.AUTH_STREAM_REPLICAS, 'AUTH_STREAM_REPLICAS', { min: 1, max: 5 }, 1),
    streamRepublish: parseBoolean(env.AUTH_STREAM_REPUBLISH, 'AUTH_STREAM_REPUBLISH', true),
    outboxMaxLagMs: parseDurationMs(env.OUTBOX_MAX_LAG, 'OUTBOX_MAX_LAG', '30s'),
    heartbeatIntervalMs,
    silentMemoryMs,
    snapshot: snapshotConfig(env),
    signinLimits: signinLimits(env),
    signupLimits: signupLimits(env),
    rateLimitStore: rateLimitStore(env),
    rateLimitKeyPrefix: keyPrefix(present(env.RATE_LIMIT_KEY_PREFIX) ? env.RATE_LIMIT_KEY_PREFIX : 'authbus'),
    scryptCost,
    keys: keysConfig(env),
    publicUrl: present(env.AUTH_PUBLIC_URL)
      ? parseUrl(env.AUTH_PUBLIC_URL, 'AUTH_PUBLIC_URL', {
          protocols: ['http:', 'https:'],
          example: 'https://authbus.example.com',
        }).replace(/\/+$/, '')
      : undefined,
    serviceClients: serviceClientsFromJson(present(env.SERVICE_KEYS) ? env.SERVICE_KEYS : undefined, 'auth'),
    serviceTokenTtlSeconds: serviceTokenTtl(env.SERVICE_TOKEN_TTL, accessTokenTtlSeconds),
    ticketsUrl: present(env.TICKETS_URL) ? parseUrl(env.TICKETS_URL, 'TICKETS_URL') : undefined,
    oidc,
    ssf,
  };
}

function keysConfig(env: AuthEnv): KeysConfig {
  const algorithm = present(env.KEY_ALGORITHM) ? env.KEY_ALGORITHM : 'ES256';
  if (algorithm !== 'ES256' && algorithm !== 'RS256') {
    throw new ConfigError(`KEY_ALGORITHM="${algorithm}" must be ES256 or RS256`);
  }
  const publishAheadMs = parseDurationMs(env.KEY_PUBLISH_AHEAD, 'KEY_PUBLISH_AHEAD', '5s');
  if (publishAheadMs > 3600_000) throw new ConfigError('KEY_PUBLISH_AHEAD must be at most 1h');
  return {
    algorithm,
    publishAheadMs,
    sealer: present(env.KEYS_ENCRYPTION_KEY) ? KeySealer.fromBase64(env.KEYS_ENCRYPTION_KEY) : undefined,
  };
}

/** `AUTH_HEARTBEAT_INTERVAL`: 100 ms to 10 s; verifiers fall back to their own probes after 3 s without one. */
function heartbeatInterval(env: AuthEnv): number {
  const ms = parseDurationMs(env.AUTH_HEARTBEAT_INTERVAL, 'AUTH_HEARTBEAT_INTERVAL', '1s');
  if (ms < 100 || ms > 10_000) throw new ConfigError('AUTH_HEARTBEAT_INTERVAL must be from 100ms to 10s');
  return ms;
}

/**
 * `REVOCATION_SNAPSHOT_EVERY` (events, default 10000; `0` turns snapshots off) and
 * `REVOCATION_SNAPSHOT_INTERVAL` (1 s to 1 h, default 1m): a snapshot after that many stream events,
 * or after that long with at least one.
 */
function snapshotConfig(env: AuthEnv): AuthConfig['snapshot'] {
  const everyEvents = parseInteger(
    env.REVOCATION_SNAPSHOT_EVERY,
    'REVOCATION_SNAPSHOT_EVERY',
    { min: 0, max: 100_000_000 },
    DEFAULT_SNAPSHOT_EVERY_EVENTS,
  );
  const intervalMs = parseDurationMs(env.REVOCATION_SNAPSHOT_INTERVAL, 'REVOCATION_SNAPSHOT_INTERVAL', '1m');
  if (intervalMs < 1000 || intervalMs > 3600_000)
    throw new ConfigError('REVOCATION_SNAPSHOT_INTERVAL must be from 1s to 1h');
  return everyEvents === 0 ? undefined : { everyEvents, intervalMs };
}

/**
 * Service tokens are short-lived: 1 s to 1 h, default 5 min (or the access token lifetime if
 * shorter), and never longer than access tokens: the `AUTH` stream keeps revocations for an access
 * token's lifetime (plus tolerances), so an `auth.service.revoked` must not need to outlive that.
 */
function serviceTokenTtl(value: string | undefined, accessTokenTtlSeconds: number): number {
  const seconds = present(value)
    ? parseWholeSeconds(value, 'SERVICE_TOKEN_TTL', '5m')
    : Math.min(300, accessTokenTtlSeconds);
  if (seconds < 1 || seconds > 3600) throw new ConfigError(`SERVICE_TOKEN_TTL="${value}" must be from 1s to 1h`);
  if (seconds > accessTokenTtlSeconds)
    throw new ConfigError(
      `SERVICE_TOKEN_TTL (${seconds}s) must not be longer than ACCESS_TOKEN_TTL (${accessTokenTtlSeconds}s): the AUTH stream keeps a credential's revocation only that long`,
    );
  return seconds;
}

function signinLimits(env: AuthEnv): AuthConfig['signinLimits'] {
  const perAccount = parseInteger(
    env.SIGNIN_LIMIT_PER_ACCOUNT,
    'SIGNIN_LIMIT_PER_ACCOUNT',
    { min: 1, max: 1_000_000 },
    10,
  );
  // By default an account-wide lock takes 10 addresses, each at its own limit.
  const perAccountTotal = parseInteger(
    env.SIGNIN_LIMIT_PER_ACCOUNT_TOTAL,
    'SIGNIN_LIMIT_PER_ACCOUNT_TOTAL',
    { min: 2, max: 10_000_000 },
    10 * perAccount,
  );
  // Each address adds at most `perAccount` failures to the account-wide count; if that alone
  // reached the account-wide limit, one address could lock anyone out.
  if (perAccountTotal <= perAccount) {
    throw new ConfigError(
      `SIGNIN_LIMIT_PER_ACCOUNT_TOTAL (${perAccountTotal}) must be more than SIGNIN_LIMIT_PER_ACCOUNT (${perAccount}): otherwise one address could lock an account for everyone`,
    );
  }
  const perIp = parseInteger(env.SIGNIN_LIMIT_PER_IP, 'SIGNIN_LIMIT_PER_IP', { min: 1, max: 1_000_000 }, 50);
  return {
    perIp,
    perNetwork: perNetworkLimit(env.SIGNIN_LIMIT_PER_NETWORK, 'SIGNIN_LIMIT_PER_NETWORK', perIp, 'SIGNIN_LIMIT_PER_IP'),
    perAccount,
    perAccountTotal,
    windowMs: limitWindow(env.SIGNIN_LIMIT_WINDOW, 'SIGNIN_LIMIT_WINDOW'),
  };
}

function signupLimits(env: AuthEnv): AuthConfig['signupLimits'] {
  const perIp = parseInteger(env.SIGNUP_LIMIT_PER_IP, 'SIGNUP_LIMIT_PER_IP', { min: 1, max: 1_000_000 }, 30);
  return {
    perIp,
    perNetwork: perNetworkLimit(env.SIGNUP_LIMIT_PER_NETWORK, 'SIGNUP_LIMIT_PER_NETWORK', perIp, 'SIGNUP_LIMIT_PER_IP'),
    windowMs: limitWindow(env.SIGNUP_LIMIT_WINDOW, 'SIGNUP_LIMIT_WINDOW'),
  };
}

/**
 * A per-network limit: by default four addresses' worth (a /48 is one site, which may hold a few
 * busy hosts), and never below one address's limit (a network is at least one address).
 */
function perNetworkLimit(value: string | undefined, name: string, perIp: number, perIpName: string): number {
  const perNetwork = parseInteger(value, name, { min: 1, max: 10_000_000 }, 4 * perIp);
  if (perNetwork < perIp) {
    throw new ConfigError(
      `${name} (${perNetwork}) must be at least ${perIpName} (${perIp}): a network is at least one address`,
    );
  }
  return perNetwork;
}

/** Windows are whole seconds of at least one: the stores count in seconds (Redis `EX`). */
function limitWindow(value: string | undefined, name: string): number {
  const ms = parseDurationMs(value, name, '15m');
  if (ms < 1000 || ms > 24 * 3600_000) throw new ConfigError(`${name}="${value}" must be from 1s to 24h`);
  return Math.round(ms / 1000) * 1000;
}

function rateLimitStore(env: AuthEnv): RateLimitStoreConfig {
  const kind = present(env.RATE_LIMIT_STORE) ? env.RATE_LIMIT_STORE : present(env.REDIS_URL) ? 'redis' : 'memory';
  switch (kind) {
    case 'memory':
      return { kind };
    case 'redis':
      if (!present(env.REDIS_URL))
        throw new ConfigError('RATE_LIMIT_STORE=redis needs REDIS_URL (e.g. redis://redis:6379)');
      return {
        kind,
        url: parseUrl(env.REDIS_URL, 'REDIS_URL', { protocols: ['redis:', 'rediss:'], example: 'redis://redis:6379' }),
      };
    case 'mongo':
      if (!present(env.MONGO_URI))
        throw new ConfigError('RATE_LIMIT_STORE=mongo needs MONGO_URI: the limits live in the auth store’s MongoDB');
      return { kind };
    default:
      throw new ConfigError(`RATE_LIMIT_STORE="${kind}" must be memory, redis or mongo`);
  }
}

function keyPrefix(value: string): string {
  // Also a MongoDB collection name and a Redis key part: keep it plain.
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(value))
    throw new ConfigError(`RATE_LIMIT_KEY_PREFIX="${value}" must be 1 to 40 letters, digits, _ or -`);
  return value;
}
