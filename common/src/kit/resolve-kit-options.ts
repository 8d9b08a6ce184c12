import { ConfigError } from '../errors/config-error';
import type { EventEnvelope } from '../events/auth-event';
import type { KeySetUpdatedEvent } from '../events/key-set-updated-event';
import type { FeedSource } from '../feed/event-applier';
import { DEFAULT_HEARTBEAT_TIMEOUT_MS } from '../feed/heartbeat-watch';
import { checkSilentMemory } from './silent-memory';
import { silentLogger, type Logger } from '../logging/logger';
import { DEFAULT_TOKEN_CACHE_BYTES, DEFAULT_TOKEN_CACHE_ENTRIES } from '../tokens/verified-token-cache';
import { DEFAULT_CLOCK_TOLERANCE_SECONDS } from '../tokens/token-options';
import {
  DEFAULT_MAX_STALENESS_MS,
  type AuthKitOptions,
  type RevocationOptions,
  type StalenessPolicy,
} from './auth-kit-options';

/** The kit's options with every default filled in, resolved once. */
export interface ResolvedKitOptions extends Pick<
  RevocationOptions,
  'stream' | 'live' | 'mirror' | 'onApplied' | 'heartbeatTimeoutMs' | 'silentMemoryMs' | 'snapshot'
> {
  /** Where the feed's key sets go (the kit's live key ring). */
  onKeySet?: (envelope: EventEnvelope<KeySetUpdatedEvent>, source: FeedSource) => void;
  logger: Logger;
  maxStalenessMs: number;
  policy: StalenessPolicy;
  syncIntervalMs: number;
  /** Token times (`exp`, `until`) follow the token clock; heartbeats and staleness the wall clock. */
  tokenNow: () => number;
  now: () => number;
  clockToleranceSeconds: number;
  /** The verified-token cache's bounds; `undefined` when it is off. */
  tokenCache: { maxEntries: number; maxBytes: number } | undefined;
}

export function resolveKitOptions(options: AuthKitOptions): ResolvedKitOptions {
  const revocation = options.revocation ?? {};
  const logger = options.logger ?? silentLogger;
  const maxStalenessMs = revocation.maxStalenessMs ?? DEFAULT_MAX_STALENESS_MS;
  const heartbeatTimeoutMs = revocation.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
  // Until the timeout the feed waits for auth's next heartbeat instead of probing the stream itself:
  // a timeout past the bound makes every pause of auth's heartbeats longer than the bound a 503.
  if (heartbeatTimeoutMs >= maxStalenessMs)
    logger.warn(
      { heartbeatTimeoutMs, maxStalenessMs },
      'REVOCATION_HEARTBEAT_TIMEOUT is not below REVOCATION_MAX_STALENESS: the feed goes stale whenever auth pauses longer than the bound, before its own probes take over',
    );
  return {
    logger,
    maxStalenessMs,
    policy: revocation.stalenessPolicy ?? 'closed',
    syncIntervalMs: revocation.syncIntervalMs ?? 1000,
    tokenNow: options.token?.now ?? Date.now,
    now: Date.now,
    clockToleranceSeconds: options.token?.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
    tokenCache: resolveTokenCache(options),
    ...(revocation.stream !== undefined ? { stream: revocation.stream } : {}),
    ...(revocation.live !== undefined ? { live: revocation.live } : {}),
    ...(revocation.heartbeatTimeoutMs !== undefined ? { heartbeatTimeoutMs: revocation.heartbeatTimeoutMs } : {}),
    ...(revocation.silentMemoryMs !== undefined
      ? { silentMemoryMs: checkSilentMemory(revocation.silentMemoryMs, 'revocation.silentMemoryMs') }
      : {}),
    ...(revocation.mirror !== undefined ? { mirror: revocation.mirror } : {}),
    ...(revocation.onApplied !== undefined ? { onApplied: revocation.onApplied } : {}),
    ...(revocation.snapshot !== undefined ? { snapshot: revocation.snapshot } : {}),
  };
}

function resolveTokenCache(options: AuthKitOptions): ResolvedKitOptions['tokenCache'] {
  const maxEntries = options.tokenCache?.maxEntries ?? DEFAULT_TOKEN_CACHE_ENTRIES;
  const maxBytes = options.tokenCache?.maxBytes ?? DEFAULT_TOKEN_CACHE_BYTES;
  for (const [name, value] of [
    ['tokenCache.maxEntries', maxEntries],
    ['tokenCache.maxBytes', maxBytes],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new ConfigError(`${name} must be a whole number ≥ 0`);
  }
  return maxEntries === 0 || maxBytes === 0 ? undefined : { maxEntries, maxBytes };
}
