import { EventInvalidError } from '../errors/event-invalid-error';
import type { AnyEventEnvelope, EventEnvelope } from '../events/auth-event';
import type { KeySetUpdatedEvent } from '../events/key-set-updated-event';
import { Subjects } from '../events/subjects';
import { parseEvent } from '../events/parse-event';
import type { Logger } from '../logging/logger';
import { applyRevocation } from '../revocation/apply-revocation';
import type { RevocationSet } from '../revocation/revocation-set';

/** Where an event reached the feed: the core subscription (live) or the ordered consumer (stream). */
export type FeedSource = 'live' | 'stream';

/** What the applier counts (read by metrics). */
export interface ApplierCounts {
  applied: Record<FeedSource, number>;
  ignored: number;
  invalid: number;
}

/**
 * Parses each message the feed receives and applies the revocations that still matter to the set;
 * counts what it did. A malformed message is counted and logged, never thrown.
 */
export class EventApplier {
  readonly counts: ApplierCounts = { applied: { live: 0, stream: 0 }, ignored: 0, invalid: 0 };

  constructor(
    private readonly options: {
      set: RevocationSet;
      logger: Logger;
      /** Token clock, ms. */
      tokenNow: () => number;
      /** Verifiers' clock tolerance, seconds: a revocation matters until `until` plus this. */
      clockToleranceSeconds: number;
      onApplied: ((envelope: AnyEventEnvelope, source: FeedSource) => void) | undefined;
      /** Where key sets go (the kit's live key ring); without it they are ignored. */
      onKeySet?: ((envelope: EventEnvelope<KeySetUpdatedEvent>, source: FeedSource) => void) | undefined;
    },
  ) {}

  /** Parse and apply one message; returns the event's id when it could be parsed. */
  receive(subject: string, data: Uint8Array, source: FeedSource, seq?: number): string | undefined {
    let envelope: AnyEventEnvelope;
    try {
      envelope = parseEvent(subject, data);
    } catch (err) {
      this.counts.invalid++;
      const reason = err instanceof EventInvalidError ? err.message : String(err);
      this.options.logger.warn({ subject, source, seq, err: reason }, 'malformed event skipped');
      return undefined;
    }
    if (envelope.subject === Subjects.KeySetUpdated) {
      if (this.options.onKeySet) {
        this.counts.applied[source]++;
        this.options.onKeySet(envelope, source);
      } else this.counts.ignored++;
      return envelope.id;
    }
    const horizon = Math.floor(this.options.tokenNow() / 1000) - this.options.clockToleranceSeconds;
    if (applyRevocation(this.options.set, envelope, horizon)) {
      this.counts.applied[source]++;
      this.options.onApplied?.(envelope, source);
    } else {
      this.counts.ignored++;
    }
    return envelope.id;
  }
}
