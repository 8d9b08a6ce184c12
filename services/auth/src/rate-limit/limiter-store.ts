import Redis from 'ioredis';
import type { Connection } from 'mongoose';
import { RateLimiterMemory, RateLimiterMongo, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '@authbus/common';
import type { RateLimitStoreConfig } from '../config';

/** One limit's shape: a name (part of its keys), at most `points` per `windowMs` per key. */
export interface LimitSpec {
  name: string;
  points: number;
  windowMs: number;
}

/** Where the limits count. Every limiter it makes falls back to this process's memory on a store error. */
export interface LimiterStore {
  readonly kind: RateLimitStoreConfig['kind'];
  limiter(spec: LimitSpec): RateLimiterAbstract;
  close(): Promise<void>;
}

export interface LimiterStoreOptions {
  config: RateLimitStoreConfig;
  keyPrefix: string;
  /** The auth store's mongoose connection, for `mongo`. */
  mongo?: Connection;
  logger: Logger;
  /** Called each time a store error made a limiter count in memory instead. */
  onFallback: (limit: string) => void;
}

/** How long a Redis command may take before the limiter counts in memory instead. */
const REDIS_COMMAND_TIMEOUT_MS = 500;
/** At most one "store unavailable" warning per this long. */
const WARN_EVERY_MS = 30_000;

/**
 * The store the configuration names. `memory` counts per process. `redis` and `mongo` are shared
 * by every auth replica, so a limit holds however many there are.
 *
 * A store outage fails over, not open and not closed: each limiter has an insurance limiter
 * (rate-limiter-flexible's `insuranceLimiter`) that counts in this process's memory with the same
 * limits while the store errors, so sign-in keeps working (never a 500, never a hang: Redis
 * commands fail fast with no offline queue and a short timeout) and stays limited per replica.
 * Counts made during the outage are not copied back; the store's own windows resume when it answers.
 */
export async function createLimiterStore(options: LimiterStoreOptions): Promise<LimiterStore> {
  const { config, keyPrefix, logger } = options;
  let lastWarning = 0;
  const fellBack = (limit: string): void => {
    options.onFallback(limit);
    if (Date.now() - lastWarning < WARN_EVERY_MS) return;
    lastWarning = Date.now();
    logger.warn(
      { store: config.kind, limit },
      'rate-limit store unavailable: counting in this process until it answers',
    );
  };
  const base = (spec: LimitSpec) => ({
    keyPrefix: `${keyPrefix}_${spec.name}`,
    points: spec.points,
    duration: spec.windowMs / 1000,
  });
  const insurance = (spec: LimitSpec): RateLimiterMemory => new FallbackLimiter(base(spec), () => fellBack(spec.name));

  switch (config.kind) {
    case 'memory':
      return { kind: 'memory', limiter: (spec) => new RateLimiterMemory(base(spec)), close: async () => undefined };

    case 'redis': {
      // As rate-limiter-flexible documents for ioredis: no offline queue, so a command fails at
      // once while disconnected (and the insurance limiter answers) instead of waiting.
      const client = new Redis(config.url, {
        lazyConnect: true,
        enableOfflineQueue: false,
        commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
        connectTimeout: 2000,
      });
      let lastError = 0;
      client.on('error', (err: Error) => {
        if (Date.now() - lastError < WARN_EVERY_MS) return;
        lastError = Date.now();
        logger.warn({ err: err.message }, 'redis (rate limits) error; reconnecting');
      });
      client.on('ready', () => logger.info({ url: redact(config.url) }, 'redis (rate limits) ready'));
      // Start even when Redis is down: the limits count in memory until it answers, and ioredis
      // keeps reconnecting in the background.
      await client
        .connect()
        .catch((err: unknown) =>
          logger.warn(
            { err: String(err) },
            'redis (rate limits) unreachable at start; counting in memory until it answers',
          ),
        );
      return {
        kind: 'redis',
        limiter: (spec) =>
          new RateLimiterRedis({
            ...base(spec),
            storeClient: client,
            rejectIfRedisNotReady: true,
            insuranceLimiter: insurance(spec),
          }),
        async close() {
          await client.quit().catch(() => client.disconnect());
        },
      };
    }

    case 'mongo': {
      if (!options.mongo) throw new Error('RATE_LIMIT_STORE=mongo needs the MongoDB auth store');
      const connection = options.mongo;
      // One collection per limit, named by its key prefix, with a TTL index on `expire`
      // (rate-limiter-flexible creates both). The auth store owns and closes the connection.
      return {
        kind: 'mongo',
        limiter: (spec) =>
          new RateLimiterMongo({ ...base(spec), storeClient: connection, insuranceLimiter: insurance(spec) }),
        close: async () => undefined,
      };
    }
  }
}

/** The insurance limiter: memory, with the same limits, telling us each time it is used. */
class FallbackLimiter extends RateLimiterMemory {
  constructor(
    opts: ConstructorParameters<typeof RateLimiterMemory>[0],
    private readonly used: () => void,
  ) {
    super(opts);
  }

  override consume(...args: Parameters<RateLimiterMemory['consume']>): ReturnType<RateLimiterMemory['consume']> {
    this.used();
    return super.consume(...args);
  }

  override get(...args: Parameters<RateLimiterMemory['get']>): ReturnType<RateLimiterMemory['get']> {
    this.used();
    return super.get(...args);
  }

  override delete(...args: Parameters<RateLimiterMemory['delete']>): ReturnType<RateLimiterMemory['delete']> {
    this.used();
    return super.delete(...args);
  }

  override reward(...args: Parameters<RateLimiterMemory['reward']>): ReturnType<RateLimiterMemory['reward']> {
    this.used();
    return super.reward(...args);
  }
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
