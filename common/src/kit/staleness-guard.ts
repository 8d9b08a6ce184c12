import { FeedNotReadyError, FeedStaleError } from '../errors/feed-errors';
import type { Logger } from '../logging/logger';
import type { StalenessPolicy } from './auth-kit-options';

/** The part of the feed the guard reads. */
export interface FeedProgress {
  readonly caughtUp: boolean;
  /** When the feed last knew it had every stored revocation, ms (0: never). */
  readonly lastSyncAt: number;
}

/**
 * Decides whether a verified token can be trusted given the feed's progress: not before the feed
 * has replayed the stream (503 `ERR_FEED_NOT_READY`), and, once it has been out of touch longer
 * than `maxStalenessMs`, by the policy: `closed` refuses (503 `ERR_FEED_STALE`), `open` serves
 * and counts. Also logs each change between stale and in sync, once.
 */
export class StalenessGuard {
  private wasStale = false;

  constructor(
    private readonly feed: () => FeedProgress | undefined,
    private readonly options: {
      maxStalenessMs: number;
      policy: StalenessPolicy;
      now: () => number;
      logger: Logger;
      /** A request was served while stale (policy open). */
      onServedStale: () => void;
      /** The feed just went stale under policy `closed`: what was accepted can no longer be. */
      onClosedStale?: () => void;
    },
  ) {}

  /** Ms since the feed was last in sync; `null` before it ever was. */
  stalenessMs(): number | null {
    const feed = this.feed();
    return feed && feed.lastSyncAt > 0 ? this.options.now() - feed.lastSyncAt : null;
  }

  isStale(): boolean {
    const ms = this.stalenessMs();
    return ms !== null && ms > this.options.maxStalenessMs;
  }

  /** On the request path: throws when a token cannot be trusted now. */
  check(): void {
    const feed = this.feed();
    if (!feed?.caughtUp) throw new FeedNotReadyError();
    const staleFor = this.options.now() - feed.lastSyncAt;
    if (staleFor > this.options.maxStalenessMs) {
      if (this.options.policy === 'closed') throw new FeedStaleError(staleFor);
      this.options.onServedStale();
    }
  }

  /** Readiness follows staleness (not the connection), so a short NATS blip keeps replicas in service. */
  ready(): boolean {
    return (this.feed()?.caughtUp ?? false) && !(this.isStale() && this.options.policy === 'closed');
  }

  /** Log a change between stale and in sync (called by the kit's housekeeping). */
  logChange(): void {
    const stale = this.isStale();
    if (stale === this.wasStale) return;
    const { logger, maxStalenessMs, policy } = this.options;
    if (stale) logger.warn({ stalenessMs: this.stalenessMs(), maxStalenessMs, policy }, 'revocation feed is stale');
    else logger.info({}, 'revocation feed is in sync again');
    this.wasStale = stale;
    if (stale && policy === 'closed') this.options.onClosedStale?.();
  }
}
