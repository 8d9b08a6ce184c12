import { AUTH_STREAM, isStreamNotFound, type Logger } from '@authbus/common';
import { ensureAuthStream, type AuthStreamOptions } from '@authbus/common/issuer';
import type { NatsConnection, StreamInfo } from 'nats';
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
}

/**
 * Keeps the `AUTH` stream in place. At start-up it creates the stream (or updates it to the
 * configured settings). Later, when a publish finds nothing listening on the subject (NATS lost its
 * store, or someone deleted the stream), it recreates the stream with the same settings and queues
 * again every published revocation that still matters, so a replica that starts afterwards still
 * learns of them; replicas already running replay the new stream by themselves.
 */
export class AuthStreamKeeper {
  private restoring: Promise<boolean> | undefined;
  private lastCheckAt = 0;

  constructor(private readonly options: AuthStreamKeeperOptions) {}

  /** Create or update the stream (start-up). */
  async ensure(): Promise<StreamInfo> {
    return ensureAuthStream(await this.options.nc.jetstreamManager(), this.options.stream);
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
      const info = await ensureAuthStream(jsm, this.options.stream);
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
