import {
  AckPolicy,
  DeliverPolicy,
  nanos,
  type ConsumerMessages,
  type JsMsg,
  type JetStreamManager,
  type NatsConnection,
} from 'nats';
import { EventInvalidError } from '../errors/event-invalid-error';
import { silentLogger, type Logger } from '../logging/logger';
import type { AuthEvent, EventEnvelope } from './auth-event';
import { parseEvent } from './parse-event';
import { AUTH_STREAM } from './subjects';

/** How long one pull request waits, ms: a lost consumer is noticed within this (two heartbeats). */
const PULL_EXPIRES_MS = 5000;

/** Options every listener takes. */
export interface ListenerOptions {
  logger?: Logger;
  /** Stream to read; default `AUTH`. */
  stream?: string;
  /** Called for each message that was skipped as malformed (metrics). */
  onInvalid?: (err: EventInvalidError, msg: JsMsg) => void;
}

/**
 * A typed, durable listener for one subject: each event is handled once per service (all replicas
 * share the durable consumer, like a queue group), in order of arrival.
 *
 * ```ts
 * class UserCreatedListener extends Listener<UserCreatedEvent> {
 *   readonly subject = Subjects.UserCreated;
 *   readonly durableName = 'tickets-user-created';
 *   async onMessage(data: UserCreatedEvent['data']) { await users.upsert(data); }
 * }
 * await new UserCreatedListener(nc).listen();
 * ```
 *
 * A handler that resolves acks the message; one that throws naks it with a growing delay, so it
 * is delivered again; a malformed message is counted, logged and terminated (never redelivered,
 * never a crash).
 */
export abstract class Listener<E extends AuthEvent> {
  abstract readonly subject: E['subject'];
  /** Shared by every replica of a service; one per service and subject. */
  abstract readonly durableName: string;
  abstract onMessage(data: E['data'], envelope: EventEnvelope<E>, msg: JsMsg): Promise<void> | void;

  /** How long the server waits for an ack before redelivering, ms. */
  protected ackWaitMs = 30_000;

  protected readonly logger: Logger;
  private readonly stream: string;
  private messages: ConsumerMessages | undefined;
  private closed = false;
  private loop: Promise<void> | undefined;

  constructor(
    protected readonly nc: NatsConnection,
    private readonly options: ListenerOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.stream = options.stream ?? AUTH_STREAM;
  }

  /** Delay before a failed event is delivered again: 1 s, 2 s, 4 s … at most 60 s. */
  protected retryDelayMs(deliveryCount: number): number {
    return Math.min(60_000, 1000 * 2 ** Math.max(0, deliveryCount - 1));
  }

  /** Create (or update) the durable consumer and start handling messages in the background. */
  async listen(): Promise<void> {
    if (this.loop) return;
    const jsm = await this.nc.jetstreamManager({ checkAPI: false });
    await this.ensureConsumer(jsm);
    this.messages = await this.consume();
    this.loop = this.run(this.messages);
    this.logger.info({ subject: this.subject, durable: this.durableName }, 'listener started');
  }

  /** Stop fetching; the message being handled finishes first. */
  async close(): Promise<void> {
    this.closed = true;
    await this.messages?.close();
    await this.loop;
  }

  private async ensureConsumer(jsm: JetStreamManager): Promise<void> {
    await jsm.consumers.add(this.stream, {
      durable_name: this.durableName,
      filter_subject: this.subject,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(this.ackWaitMs),
      max_ack_pending: 1000,
    });
  }

  /**
   * Consume the durable consumer. `abort_on_missing_resource`: when the stream or the consumer is
   * gone (NATS lost its store, the stream was recreated), end the iteration instead of retrying
   * forever, so `run` can create the consumer again on the new stream. The server says so to a
   * pull request that is waiting; when none is (between two pulls, or the notice was lost), the
   * client only finds out after two missed idle heartbeats, half of `expires` each: hence the short
   * `expires`.
   */
  private async consume(): Promise<ConsumerMessages> {
    const consumer = await this.nc.jetstream().consumers.get(this.stream, this.durableName);
    return consumer.consume({ max_messages: 100, expires: PULL_EXPIRES_MS, abort_on_missing_resource: true });
  }

  private async run(first: ConsumerMessages): Promise<void> {
    let messages: ConsumerMessages | undefined = first;
    while (!this.closed) {
      try {
        // undefined after a failed restart: an ended iterator cannot be read again.
        if (messages) for await (const msg of messages) await this.handle(msg);
      } catch (err) {
        this.logger.error({ err: String(err), durable: this.durableName }, 'listener stopped, restarting');
      }
      messages = undefined;
      if (this.closed || this.nc.isClosed()) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (this.closed || this.nc.isClosed()) break;
      try {
        // The consumer may be gone with its stream: create it again (a no-op when it exists).
        await this.ensureConsumer(await this.nc.jetstreamManager({ checkAPI: false }));
        messages = this.messages = await this.consume();
        // close() may have run while the consumer was being set up.
        if (this.closed) await messages.close();
      } catch (err) {
        this.logger.error({ err: String(err), durable: this.durableName }, 'listener restart failed');
      }
    }
  }

  private async handle(msg: JsMsg): Promise<void> {
    let envelope: EventEnvelope<E>;
    try {
      envelope = parseEvent(msg.subject, msg.data) as unknown as EventEnvelope<E>;
    } catch (err) {
      const invalid = err instanceof EventInvalidError ? err : new EventInvalidError(String(err));
      this.logger.warn({ subject: msg.subject, seq: msg.seq, err: invalid.message }, 'malformed event skipped');
      this.options.onInvalid?.(invalid, msg);
      // No reason text: nats-server 2.9 ignores `+TERM <reason>` and would redeliver the message.
      msg.term();
      return;
    }
    try {
      await this.onMessage(envelope.data, envelope, msg);
      msg.ack();
    } catch (err) {
      const delay = this.retryDelayMs(msg.info.redeliveryCount);
      this.logger.error(
        { err: String(err), eventId: envelope.id, subject: msg.subject, retryInMs: delay },
        'event handler failed',
      );
      msg.nak(delay);
    }
  }
}
