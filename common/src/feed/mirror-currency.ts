import type { StreamInfo } from 'nats';

/** What a stream's info says about how current its content is, as a revocation feed sees it. */
export type StreamCurrency =
  /** The stream takes its events directly (the auth account's `AUTH`): current when probed. */
  | { mirror: false }
  /**
   * A mirror of another account's stream: it had everything its origin had as of `currentAt`
   * (ms since the epoch), or `undefined` when that is not known (never heard from the origin,
   * or behind it); `problem`, for the log, says what is wrong if anything is.
   */
  | { mirror: true; currentAt: number | undefined; problem: string | undefined };

/** Heartbeats come every second; a few missed ones are worth a log line (the staleness bound decides). */
const SILENCE_WORTH_LOGGING_MS = 5000;

/**
 * How current a stream is. A mirror hears from its origin with every message and with an idle
 * heartbeat each second (nats-server 2.9 and 2.10), and reports how long ago that was (`active`)
 * and how far behind it was then (`lag`). So a mirror with no lag had every origin event as of
 * `probedAt - active`; a mirror cut off from its origin keeps answering, but that instant stops
 * moving, and so does the feed's last sync, until the staleness bound applies.
 */
export function streamCurrency(info: StreamInfo, probedAt: number): StreamCurrency {
  const source = info.mirror;
  if (!source) return { mirror: false };
  const error = source.error?.description;
  if (source.active < 0)
    return { mirror: true, currentAt: undefined, problem: error ?? 'the mirror has not heard from its origin yet' };
  // Behind: catching up (a new mirror, a burst). Not in sync yet, but nothing to log either.
  if (source.lag > 0) return { mirror: true, currentAt: undefined, problem: error };
  const silentMs = source.active / 1e6;
  const problem =
    error ??
    (silentMs > SILENCE_WORTH_LOGGING_MS ? 'the mirror has not heard from its origin for over 5 s' : undefined);
  return { mirror: true, currentAt: probedAt - silentMs, problem };
}
