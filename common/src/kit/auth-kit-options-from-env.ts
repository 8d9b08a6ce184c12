import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { httpTokenSource } from '../calls/token-source';
import { parseDuration } from '../config/duration';
import { envValue } from '../config/env-value';
import { ConfigError } from '../errors/config-error';
import type { Logger } from '../logging/logger';
import { serviceCredential } from '../tokens/client-assertion';
import { keyRingFromEnv, type KeyRingEnv } from '../tokens/key-ring-from-env';
import { isServiceName } from '../tokens/service-claims';
import { DEFAULT_ISSUER } from '../tokens/token-options';
import type { RevocationMirrorOptions } from '../events/revocation-mirror';
import type { AuthKitOptions, ServiceIdentityOptions } from './auth-kit-options';
import { silentMemoryFromEnv } from './silent-memory';

/** The environment variables `authKitOptionsFromEnv` reads. */
export interface AuthKitEnv extends KeyRingEnv {
  NATS_URL?: string | undefined;
  NATS_USER?: string | undefined;
  NATS_PASS?: string | undefined;
  NATS_INBOX_PREFIX?: string | undefined;
  NATS_PING_INTERVAL?: string | undefined;
  REVOCATION_MAX_STALENESS?: string | undefined;
  REVOCATION_STALENESS_POLICY?: string | undefined;
  REVOCATION_HEARTBEAT_TIMEOUT?: string | undefined;
  REVOCATION_SILENT_MEMORY?: string | undefined;
  REVOCATION_MIRROR_API?: string | undefined;
  REVOCATION_MIRROR_DELIVER?: string | undefined;
  JWT_ISSUER?: string | undefined;
  JWT_AUDIENCE?: string | undefined;
  JWT_CLOCK_TOLERANCE?: string | undefined;
  TOKEN_CACHE_ENTRIES?: string | undefined;
  TOKEN_CACHE_BYTES?: string | undefined;
  SERVICE_PRIVATE_KEY?: string | undefined;
  SERVICE_PRIVATE_KEY_FILE?: string | undefined;
  AUTH_URL?: string | undefined;
}

/**
 * Read the kit's options from the environment, once, at start-up. A variable set to nothing
 * (`NATS_URL=`) is unset. Throws `ConfigError` with a message naming the variable when something
 * is missing or malformed.
 */
export function authKitOptionsFromEnv(
  serviceName: string,
  environment: AuthKitEnv = process.env,
  logger?: Logger,
): AuthKitOptions {
  const env = setVariables(environment);
  const policy = env.REVOCATION_STALENESS_POLICY ?? 'closed';
  if (policy !== 'closed' && policy !== 'open') {
    throw new ConfigError(`REVOCATION_STALENESS_POLICY must be "closed" or "open", not "${policy}"`);
  }
  const inboxPrefix = env.NATS_INBOX_PREFIX ?? `_INBOX_${serviceName}`;
  if (!/^[A-Za-z0-9_-]+$/.test(inboxPrefix))
    throw new ConfigError(`NATS_INBOX_PREFIX="${inboxPrefix}" may only hold A-Z a-z 0-9 _ -`);
  const token = {
    ...(env.JWT_ISSUER ? { issuer: env.JWT_ISSUER } : {}),
    ...(env.JWT_AUDIENCE ? { audience: env.JWT_AUDIENCE } : {}),
    ...(env.JWT_CLOCK_TOLERANCE
      ? { clockToleranceSeconds: parseDuration(env.JWT_CLOCK_TOLERANCE, 'JWT_CLOCK_TOLERANCE') / 1000 }
      : {}),
  };
  return {
    keyRing: keyRingFromEnv(env),
    nats: {
      servers: env.NATS_URL ?? 'nats://127.0.0.1:4222',
      name: `${serviceName}@${hostname()}`,
      inboxPrefix,
      ...(env.NATS_USER ? { user: env.NATS_USER } : {}),
      ...(env.NATS_PASS ? { pass: env.NATS_PASS } : {}),
      ...(env.NATS_PING_INTERVAL ? { pingIntervalMs: pingInterval(env.NATS_PING_INTERVAL) } : {}),
    },
    token,
    tokenCache: {
      ...(env.TOKEN_CACHE_ENTRIES !== undefined
        ? { maxEntries: wholeNumber(env.TOKEN_CACHE_ENTRIES, 'TOKEN_CACHE_ENTRIES') }
        : {}),
      ...(env.TOKEN_CACHE_BYTES !== undefined
        ? { maxBytes: wholeNumber(env.TOKEN_CACHE_BYTES, 'TOKEN_CACHE_BYTES') }
        : {}),
    },
    revocation: {
      maxStalenessMs: parseDuration(env.REVOCATION_MAX_STALENESS ?? '30s', 'REVOCATION_MAX_STALENESS'),
      stalenessPolicy: policy,
      ...(env.REVOCATION_HEARTBEAT_TIMEOUT
        ? { heartbeatTimeoutMs: parseDuration(env.REVOCATION_HEARTBEAT_TIMEOUT, 'REVOCATION_HEARTBEAT_TIMEOUT') }
        : {}),
      ...(env.REVOCATION_SILENT_MEMORY ? { silentMemoryMs: silentMemoryFromEnv(env.REVOCATION_SILENT_MEMORY) } : {}),
      ...mirrorFromEnv(env),
    },
    ...serviceFromEnv(serviceName, env, token.issuer ?? DEFAULT_ISSUER),
    ...(logger ? { logger } : {}),
  };
}

/** A whole number ≥ 0 written in decimal digits (`0` turns the cache off). */
function wholeNumber(value: string, name: string): number {
  const n = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n))
    throw new ConfigError(`${name} must be a whole number ≥ 0, not "${value}"`);
  return n;
}

/** `NATS_PING_INTERVAL`: a duration from 100 ms to 5 minutes. */
function pingInterval(value: string): number {
  const ms = parseDuration(value, 'NATS_PING_INTERVAL');
  if (ms < 100 || ms > 300_000) throw new ConfigError(`NATS_PING_INTERVAL must be from 100ms to 5m, not "${value}"`);
  return ms;
}

/**
 * The service identity: the name (a service named like `SERVICE_NAME_PATTERN` accepts service
 * tokens addressed to it) and, with `SERVICE_PRIVATE_KEY` or `SERVICE_PRIVATE_KEY_FILE`, the
 * credential it calls others with, through the token endpoint of `AUTH_URL`.
 */
function serviceFromEnv(name: string, env: AuthKitEnv, issuer: string): { service?: ServiceIdentityOptions } {
  if (!isServiceName(name)) return {};
  if (env.SERVICE_PRIVATE_KEY !== undefined && env.SERVICE_PRIVATE_KEY_FILE !== undefined)
    throw new ConfigError('Set SERVICE_PRIVATE_KEY or SERVICE_PRIVATE_KEY_FILE, not both');
  let pem = env.SERVICE_PRIVATE_KEY;
  if (env.SERVICE_PRIVATE_KEY_FILE !== undefined) {
    try {
      pem = readFileSync(env.SERVICE_PRIVATE_KEY_FILE, 'utf8');
    } catch (err) {
      throw new ConfigError(`SERVICE_PRIVATE_KEY_FILE cannot be read: ${(err as Error).message}`, { cause: err });
    }
  }
  if (pem === undefined) return { service: { name } };
  const authUrl = env.AUTH_URL ?? 'http://127.0.0.1:3001';
  let tokenUrl: string;
  try {
    tokenUrl = new URL('/api/services/token', authUrl).toString();
  } catch (err) {
    throw new ConfigError(`AUTH_URL="${authUrl}" is not a URL`, { cause: err });
  }
  const credential = serviceCredential(name, pem.replace(/\\n/g, '\n'));
  return { service: { name, tokenSource: httpTokenSource({ tokenUrl, credential, issuer }) } };
}

/** The variables that are set to something; blank ones are left out. */
function setVariables(env: AuthKitEnv): AuthKitEnv {
  const set: Record<string, string> = {};
  for (const [name, value] of Object.entries(env) as [string, string | undefined][]) {
    const present = envValue(value);
    if (present !== undefined) set[name] = present;
  }
  return set;
}

/** `REVOCATION_MIRROR_API` and `REVOCATION_MIRROR_DELIVER`: both or neither, each a subject without wildcards. */
function mirrorFromEnv(env: AuthKitEnv): { mirror?: RevocationMirrorOptions } {
  const apiPrefix = env.REVOCATION_MIRROR_API;
  const deliverPrefix = env.REVOCATION_MIRROR_DELIVER;
  if (apiPrefix === undefined && deliverPrefix === undefined) return {};
  if (!apiPrefix || !deliverPrefix) {
    throw new ConfigError(
      'REVOCATION_MIRROR_API and REVOCATION_MIRROR_DELIVER go together: set both (a mirror in this account) or neither',
    );
  }
  for (const [name, value] of [
    ['REVOCATION_MIRROR_API', apiPrefix],
    ['REVOCATION_MIRROR_DELIVER', deliverPrefix],
  ] as const) {
    if (!/^[^\s.*>]+(\.[^\s.*>]+)*$/.test(value))
      throw new ConfigError(`${name}="${value}" must be a NATS subject without wildcards`);
  }
  return { mirror: { apiPrefix, deliverPrefix } };
}
