import { AuthbusError } from './authbus-error';

/** The revocation feed has not replayed the retained revocations yet: tokens cannot be trusted. */
export class FeedNotReadyError extends AuthbusError {
  constructor(override readonly retryAfterSeconds = 1) {
    super('ERR_FEED_NOT_READY', 'Revocation feed is catching up');
  }
}

/** The revocation feed has been out of touch longer than the configured staleness bound. */
export class FeedStaleError extends AuthbusError {
  constructor(
    readonly staleForMs: number,
    override readonly retryAfterSeconds = 5,
  ) {
    super('ERR_FEED_STALE', 'Revocation feed is stale');
  }
}
