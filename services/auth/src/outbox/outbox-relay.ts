import { connectionState, type AnyEventEnvelope, type Logger } from '@authbus/common';
import { publishEnvelope } from '@authbus/common/issuer';
import type { NatsConnection } from 'nats';
import type { AuthStore } from '../store/auth-store';
import type { OutboxRecord } from '../store/records';

/** Relay settings. */
export interface OutboxRelayOptions {
  store: AuthStore;
  nc: NatsConnection;
  logger: Logger;
  /** Events per pass; default 100. */
  batchSize?: number;
  /** Wait for a stream ack this long, ms; default 5000. */
  publishTimeoutMs?: number;
  /** Longest wait between retries of one event, ms; default 10 000. */
  maxBackoffMs?: number;
  /** Look for due events at least this often, ms; default 1000. */
  pollIntervalMs?: number;
  onPublished?: (envelope: AnyEventEnvelope, attempts: number) => void;
  onFailed?: (envelope: AnyEventEnvelope, error: string) => void;
  /**
   * A publish failed while connected: recreate the stream if it is gone, resolving true when it
   * was (everything pending is then published again at once). Without a stream a publish either
   * gets "no responders" or, when a core subscriber listens on the subject (every revocation feed
   * does), times out: so any failure while connected is worth a (rate-limited) look.
   */
  restoreStream?: () => Promise<boolean>;
  /** A publish got no ack while connected: the server may be hung (`HungServerFailover`). */
  onUnanswered?: () => void;
}

const FAR_FUTURE = new Date(8.64e15);

/**
 * Publishes the outbox: every event committed with a state change reaches the stream, at least
 * once, in commit order per pass. The request that made the change publishes its events at once
 * (`publishNow`) so the revocation is on the stream before the response; anything that fails is
 * retried here with backoff, and everything pending is flushed as soon as NATS reconnects. The
 * envelope id is the `Nats-Msg-Id`, so a retry of an event that did get stored is dropped by the stream.
 */
export class OutboxRelay {
  private stopped = false;
  private flushRequested = true;
  private wake: (() => void) | undefined;
  /** A kick that came while no sleep was waiting: the next sleep returns at once. */
  private kicked = false;
  private loop: Promise<void> | undefined;
  private connected = true;
  private flushing = false;

  constructor(private readonly options: OutboxRelayOptions) {}

  start(): void {
    if (this.loop) return;
    this.loop = this.run();
    this.watchConnection();
  }

  /** Look for due events now instead of at the next poll. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  /**
   * Publish freshly committed events right away (the caller awaits this before responding). Never
   * throws: an event that can't be published now stays in the outbox for the relay loop.
   */
  async publishNow(envelopes: readonly AnyEventEnvelope[], timeoutMs = 1000): Promise<boolean> {
    if (!this.connected || this.stopped) {
      this.kick();
      return false;
    }
    for (const envelope of envelopes) {
      const record: OutboxRecord = {
        id: envelope.id,
        envelope,
        createdAt: new Date(),
        attempts: 0,
        nextAttemptAt: new Date(),
        requeues: 0,
      };
      if (!(await this.publish(record, timeoutMs))) {
        this.kick();
        return false;
      }
    }
    return true;
  }

  /** Stop the loop after trying, until `deadline`, to publish what is pending. Returns what is left. */
  async drain(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    this.stopped = true;
    this.kick();
    await this.loop;
    while (Date.now() < deadline && this.connected) {
      const due = await this.options.store.duePending(FAR_FUTURE, this.options.batchSize ?? 100);
      if (due.length === 0) break;
      let progressed = false;
      for (const record of due)
        progressed = (await this.publish(record, Math.max(100, deadline - Date.now()))) || progressed;
      if (!progressed) break;
    }
    return (await this.options.store.backlog()).count;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const more = await this.pass();
        if (more) continue;
      } catch (err) {
        this.options.logger.error({ err: String(err) }, 'outbox pass failed');
      }
      await this.sleep(this.options.pollIntervalMs ?? 1000);
    }
  }

  /** One pass over due events; true when a full batch went out (so look again at once). */
  private async pass(): Promise<boolean> {
    if (!this.connected) return false;
    const flush = this.flushRequested;
    this.flushRequested = false;
    const batch = this.options.batchSize ?? 100;
    const due = await this.options.store.duePending(flush ? FAR_FUTURE : new Date(), batch);
    for (const record of due) {
      if (this.stopped) return false;
      // NATS is most likely down: leave the rest for after the reconnect flush.
      if (!(await this.publish(record, this.options.publishTimeoutMs ?? 5000))) return false;
    }
    return due.length === batch;
  }

  private async publish(record: OutboxRecord, timeoutMs: number): Promise<boolean> {
    const { store, nc, logger } = this.options;
    try {
      const ack = await publishEnvelope(nc.jetstream(), record.envelope, timeoutMs);
      if (!(await store.markPublished(record, new Date()))) {
        // The stream was lost and the store re-queued while this was in flight: publish it again.
        logger.info(
          { eventId: record.id, subject: record.envelope.subject },
          'outbox event acknowledged by a stream since lost: stays pending',
        );
        return true;
      }
      this.options.onPublished?.(record.envelope, record.attempts + 1);
      if (record.attempts > 0) {
        logger.info(
          { eventId: record.id, subject: record.envelope.subject, seq: ack.seq, attempts: record.attempts + 1 },
          'outbox event published after retry',
        );
      }
      return true;
    } catch (err) {
      const error = String(err);
      const delay = Math.min(this.options.maxBackoffMs ?? 10_000, 250 * 2 ** Math.min(record.attempts, 10));
      await store.markFailed(record.id, error, new Date(Date.now() + delay)).catch(() => undefined);
      this.options.onFailed?.(record.envelope, error);
      logger.warn(
        {
          eventId: record.id,
          subject: record.envelope.subject,
          attempts: record.attempts + 1,
          retryInMs: delay,
          err: error,
        },
        'outbox publish failed',
      );
      if (this.connected) {
        this.options.onUnanswered?.();
        this.restoreStream();
      }
      return false;
    }
  }

  /**
   * No stream acknowledged: let the keeper recreate it if it is gone, then publish everything
   * pending at once, beside the loop: the loop may be waiting out a publish sent before the stream
   * existed, and a replica that starts meanwhile would miss what is not back on the stream yet.
   * Publishing an event twice is harmless (the stream drops the repeat by its id).
   */
  private restoreStream(): void {
    void this.options.restoreStream?.().then(async (restored) => {
      if (restored) await this.publishAllPending();
    });
  }

  /** Publish everything pending now, beside the loop (which may be waiting out a publish that will never be answered). */
  private async publishAllPending(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      const timeoutMs = Math.min(1000, this.options.publishTimeoutMs ?? 5000);
      for (;;) {
        const due = await this.options.store.duePending(FAR_FUTURE, this.options.batchSize ?? 100);
        if (due.length === 0 || this.stopped || !this.connected) return;
        for (const record of due) if (!(await this.publish(record, timeoutMs))) return this.kick();
      }
    } catch (err) {
      this.options.logger.error({ err: String(err) }, 'outbox flush failed');
    } finally {
      this.flushing = false;
    }
  }

  private watchConnection(): void {
    const state = connectionState(this.options.nc);
    this.connected = state.connected;
    state.on((event) => {
      if (event.type === 'disconnect') this.connected = false;
      if (event.type === 'reconnect') {
        this.connected = true;
        this.flushRequested = true;
        this.kick();
        // The loop may be waiting out a publish sent on the old connection (a hung server never
        // answers it, and a JetStream publish is not failed by the reconnect): flush beside it.
        if (!this.stopped) void this.publishAllPending();
      }
    });
  }

  private sleep(ms: number): Promise<void> {
    if (this.kicked) {
      this.kicked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        this.kicked = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
