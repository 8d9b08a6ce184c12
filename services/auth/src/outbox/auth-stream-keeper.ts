import { setTimeout as delay } from 'node:timers/promises';
import { AUTH_STREAM, isStreamNotFound, type Logger } from '@authbus/common';
import { ensureAuthStream, type AuthStreamOptions } from '@authbus/common/issuer';
import type { JetStreamManager, NatsConnection, StreamInfo } from 'nats';
import type { AuthStore } from '../store/auth-store';

/** What the keeper needs. */
export interface AuthStreamKeeperOptions {
  nc: NatsConnection;
  stream: AuthStreamOptions;
  store: AuthStore;
  /** Seconds: revocations whose `until` is at or after this still matter. */
  horizon: () => number;
  logger: Logger;
  /** Look at most this often when publishes keep finding no stream, ms; default 1000. */
  minIntervalMs?: number;
  /** Start-up: first wait before trying to create the stream again, ms; doubles up to `retryMaxMs`. Default 250. */
  retryInitialMs?: number;
  /** Start-up: longest wait between attempts, ms; default 5000. */
  retryMaxMs?: number;
}

/**
 * Keeps the `AUTH` stream in place. At start-up it creates the stream (or updates it to the
 * configured settings), trying again with backoff until that works: a cluster missing a server
 * cannot place an R3 stream ("no suitable peers") until the server is back. Later, when a publish finds nothing listening on the subject (NATS lost its
 * store, or someone deleted the stream), it recreates the stream with the same settings and queues
 * again every published revocation that still matters, so a replica that starts afterwards still
 * learns of them; replicas already running replay the new stream by themselves.
 */
export class AuthStreamKeeper {
  private restoring: Promise<boolean> | undefined;
  private lastCheckAt = 0;

  constructor(private readonly options: AuthStreamKeeperOptions) {}

  /**
   * Create or update the stream (start-up), retrying with backoff (one log line per failed attempt)
   * until it works or `signal` aborts. A stream it had to create starts empty: every published
   * revocation that still matters is queued again, as after a lost stream.
   */
  async ensure(signal?: AbortSignal): Promise<StreamInfo> {
    const { nc, store, logger } = this.options;
    const maxMs = this.options.retryMaxMs ?? 5000;
    let waitMs = this.options.retryInitialMs ?? 250;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      try {
        const jsm = await nc.jetstreamManager();
        const existed = await streamExists(jsm);
        const info = await ensureAuthStream(jsm, this.options.stream, logger);
        if (attempt > 1)
          logger.info({ stream: info.config.name, attempts: attempt }, 'AUTH stream in place after retrying');
        if (!existed) {
          const requeued = await store.requeuePublished(this.options.horizon());
          if (requeued > 0)
            logger.warn(
              { requeued },
              'AUTH stream was created empty: publishing again every revocation that still matters',
            );
        }
        return info;
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        logger.warn(
          { err: String(err), attempt, retryInMs: waitMs, replicas: this.options.stream.replicas ?? 1 },
          'AUTH stream could not be created or updated yet (is every NATS server up?); retrying',
        );
        await sleep(waitMs, signal);
        waitMs = Math.min(maxMs, waitMs * 2);
      }
    }
  }

  /**
   * A publish got "no responders": recreate the stream if it is gone. Resolves true when it was
   * recreated (publish again now), false when it exists or the check was made a moment ago.
   * Concurrent callers share one check.
   */
  restoreIfMissing(): Promise<boolean> {
    if (this.restoring) return this.restoring;
    if (Date.now() - this.lastCheckAt < (this.options.minIntervalMs ?? 1000)) return Promise.resolve(false);
    this.lastCheckAt = Date.now();
    this.restoring = this.restore().finally(() => (this.restoring = undefined));
    return this.restoring;
  }

  private async restore(): Promise<boolean> {
    const { nc, store, logger } = this.options;
    try {
      const jsm = await nc.jetstreamManager();
      try {
        await jsm.streams.info(AUTH_STREAM);
        return false;
      } catch (err) {
        if (!isStreamNotFound(err)) throw err;
      }
      const info = await ensureAuthStream(jsm, this.options.stream, logger);
      const requeued = await store.requeuePublished(this.options.horizon());
      logger.warn(
        {
          stream: info.config.name,
          maxAgeSeconds: this.options.stream.maxAgeMs / 1000,
          replicas: info.config.num_replicas,
          requeued,
        },
        'AUTH stream was missing: recreated it; publishing again every revocation that still matters',
      );
      return true;
    } catch (err) {
      logger.warn({ err: String(err) }, 'AUTH stream check failed; will look again on the next failed publish');
      return false;
    }
  }
}

async function streamExists(jsm: JetStreamManager): Promise<boolean> {
  try {
    await jsm.streams.info(AUTH_STREAM);
    return true;
  } catch (err) {
    if (isStreamNotFound(err)) return false;
    throw err;
  }
}

/** Wait `ms`, or less if `signal` aborts (never rejects). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal ? { signal } : {}).catch(() => undefined);
}
