import type { NatsConnection } from 'nats';
import { jwksOf, Subjects, type KeySetUpdatedEvent, type LiveKeyRing, type Logger } from '@authbus/common';
import { createEnvelope, publishEnvelope } from '@authbus/common/issuer';

/** As in @authbus/common's event check: a key set lists at most this many keys and withdrawn kids. */
export const MAX_KEY_SET_KEYS = 12;
export const MAX_WITHDRAWN_KIDS = 64;

/** Options of the key-set publisher. */
export interface KeySetPublisherOptions {
  nc: NatsConnection;
  /** Auth's own ring: what it publishes is what it verifies with. */
  keyRing: LiveKeyRing;
  logger: Logger;
  now: () => number;
  /** Publish the set again this often, so the stream (retention `max_age`) always holds a current one. */
  republishMs: number;
  /** A failed publish is tried again after this long, ms. */
  retryMs?: number;
  onPublished?: () => void;
  onFailed?: () => void;
}

/**
 * Publishes auth's verification key set (`auth.keys.updated`: the public keys, the withdrawn kids)
 * on the `AUTH` stream, where every kit's feed picks it up: once the kit has replayed the stream
 * (so withdrawals made before a restart are carried on), after every change, and again every
 * `republishMs`. Only public keys travel; a failed publish is retried until one is acked.
 */
export class KeySetPublisher {
  private timer: NodeJS.Timeout | undefined;
  private lastIssuedAt = 0;
  private stopped = false;
  private inFlight: Promise<boolean> | undefined;
  private again = false;
  /** The withdrawn kids of the last set the stream acked. */
  private ackedWithdrawn = new Set<string>();
  private withdrawalWaitingSince: number | undefined;

  constructor(private readonly options: KeySetPublisherOptions) {}

  /** Start once `ready` (the kit caught up) resolves. */
  start(ready: Promise<void>): void {
    ready.then(
      () => void this.publish(),
      () => undefined,
    );
  }

  /** The set as it would be published now. */
  current(): KeySetUpdatedEvent['data'] {
    const ring = this.options.keyRing;
    // Newer than anything published before, by this process or an earlier one (replayed by the kit).
    const issuedAt = Math.max(this.options.now(), this.lastIssuedAt + 1, (ring.keySetIssuedAt ?? 0) + 1);
    // The newest keys and withdrawals, within what every reader accepts in one event.
    return {
      issuedAt,
      keys: jwksOf(ring.keys).keys.slice(-MAX_KEY_SET_KEYS),
      withdrawn: [...ring.withdrawn].slice(-MAX_WITHDRAWN_KIDS),
    };
  }

  /** Publish the current set now; resolves with whether the stream acked it (else a retry is scheduled). */
  async publish(): Promise<boolean> {
    if (this.stopped) return false;
    if (this.inFlight) {
      // A change during a publish: publish once more after it, with the newer set.
      this.again = true;
      return this.inFlight.then(() => this.publish());
    }
    this.inFlight = this.publishOnce().finally(() => (this.inFlight = undefined));
    const ok = await this.inFlight;
    if (this.again) {
      this.again = false;
      return this.publish();
    }
    return ok;
  }

  /**
   * Since when (ms) a withdrawal has waited for a key set the stream acked, if one has. A withdrawal
   * is answered before it is published; the heartbeat reports it like an unpublished revocation,
   * so verifiers go stale rather than keep accepting the key in silence.
   */
  unpublishedSince(): number | undefined {
    return this.withdrawalWaitingSince;
  }

  close(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async publishOnce(): Promise<boolean> {
    clearTimeout(this.timer);
    const data = this.current();
    this.lastIssuedAt = data.issuedAt;
    const envelope = createEnvelope<KeySetUpdatedEvent>(Subjects.KeySetUpdated, data);
    if (this.withdrawalWaitingSince === undefined && data.withdrawn.some((kid) => !this.ackedWithdrawn.has(kid)))
      this.withdrawalWaitingSince = this.options.now();
    let ok = true;
    try {
      await publishEnvelope(this.options.nc.jetstream(), envelope);
      this.ackedWithdrawn = new Set(data.withdrawn);
      if (this.options.keyRing.withdrawn.every((kid) => this.ackedWithdrawn.has(kid)))
        this.withdrawalWaitingSince = undefined;
      // Auth's own ring applies it like every other (its issuedAt is then the newest).
      this.options.keyRing.applyKeySet(data);
      this.options.onPublished?.();
      this.options.logger.info(
        { kids: data.keys.map((k) => k.kid), withdrawn: data.withdrawn, issuedAt: data.issuedAt },
        'key set published',
      );
    } catch (err) {
      ok = false;
      this.options.onFailed?.();
      this.options.logger.warn({ err: String(err) }, 'key set not published; retrying');
    }
    if (!this.stopped) {
      this.timer = setTimeout(
        () => void this.publish(),
        ok ? this.options.republishMs : (this.options.retryMs ?? 1000),
      );
      this.timer.unref();
    }
    return ok;
  }
}
