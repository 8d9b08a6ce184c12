import {
  AckPolicy,
  ConsumerEvents,
  DeliverPolicy,
  nanos,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
} from 'nats';
import type { Logger } from '../logging/logger';

/** What the replay hands on for each stored message, in stream order. */
export type StoredMessage = Pick<JsMsg, 'subject' | 'data'> & {
  streamSequence: number;
  pending: number;
  /** The `Nats-Msg-Id` it was published with (the event's id), if any. */
  msgId: string | undefined;
};

/** Options of an ordered replay. */
export interface OrderedReplayOptions {
  nc: NatsConnection;
  jsm: JetStreamManager;
  stream: string;
  /** Messages per pull; default 1000. */
  batch: number;
  /**
   * How long one pull request lasts, ms (default 60 000). The server sends the consumer's idle
   * heartbeats every half of it; two missed and the consumer is taken for dead and replaced. Each
   * pull and heartbeat is a message per instance: shorter finds a dead consumer sooner, costs more.
   */
  pullExpiresMs?: number;
  logger: Logger;
  /** The next sequence to read from: one past the last applied. */
  nextSequence: () => number;
  /** Each message after the last applied one, in order. */
  onMessage: (message: StoredMessage) => void;
}

/** Default `pullExpiresMs`. */
const DEFAULT_PULL_EXPIRES_MS = 60_000;

/** Over how long the consumers lost together (their server restarted) are made again, ms. */
const RECREATE_SPREAD_MS = 1000;

/**
 * Reads the stream in order from the next unapplied sequence, for as long as it runs, through an
 * ordered consumer of our own: ephemeral, in memory, no acks. Any gap in its delivery sequence,
 * a `restart(reason)` (a stall, a stream reset), a status that says the consumer is lost (idle
 * heartbeats missed, consumer or stream not found, no responders: it lived on a server that died)
 * or a failure replaces the consumer with a fresh one from the next unapplied sequence; a replaced
 * consumer's late messages are ignored (each consumer has its own generation).
 *
 * A reconnect alone keeps the consumer: nats.js checks that it still exists (one consumer info)
 * and pulls again; when it does not (the server restarted, the consumer lived in its memory), the
 * iteration ends and a fresh one is made. A message lost with the old socket shows as a gap in the
 * delivery sequence, or to the feed's sync monitor as a stream it is behind.
 */
export class OrderedReplay {
  /** How many times the consumer was replaced. */
  restarts = 0;

  private generation = 0;
  private closed = false;
  private requestRestart: () => void = () => undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: OrderedReplayOptions) {}

  start(): void {
    this.running ??= this.run();
  }

  /** Replace the consumer now, from the next unapplied sequence. */
  restart(reason: string): void {
    if (!this.closed)
      this.options.logger.info({ reason, fromSeq: this.options.nextSequence() }, 'revocation consumer restarting');
    this.requestRestart();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.requestRestart();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      const restart = new Promise<void>((resolve) => (this.requestRestart = resolve));
      let failed = false;
      try {
        const starting = this.consume(++this.generation);
        const messages = await Promise.race([starting, restart]);
        if (messages) {
          const ended = await Promise.race([messages.closed().then(() => true), restart.then(() => false)]);
          // The consumer was lost with its server (a restart): every instance on that server finds out
          // at once. Spread the new consumers over a second rather than ask for hundreds together;
          // the feed knows it is in sync from the heartbeats meanwhile, and a restart() cuts this short.
          if (ended && !this.closed)
            await Promise.race([
              new Promise((resolve) => setTimeout(resolve, Math.random() * RECREATE_SPREAD_MS).unref()),
              restart,
            ]);
        }
        // Don't wait for the old consumer to wind down: its late messages are ignored by generation.
        void starting.then((m) => m.close()).catch(() => undefined);
      } catch (err) {
        failed = true;
        if (!this.closed)
          this.options.logger.warn({ err: String(err), stream: this.options.stream }, 'revocation consumer failed');
      }
      if (this.closed) break;
      this.restarts++;
      if (failed) await Promise.race([new Promise((resolve) => setTimeout(resolve, 500)), restart]);
    }
  }

  private async consume(generation: number): Promise<ConsumerMessages> {
    const { jsm, nc, stream, logger } = this.options;
    const from = this.options.nextSequence();
    const info = await jsm.consumers.add(stream, {
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: from,
      mem_storage: true,
      num_replicas: 1,
      // A consumer left behind by a lost connection is removed by the server after a minute.
      inactive_threshold: nanos(60_000),
    });
    const consumer = await nc.jetstream().consumers.get(stream, info.name);
    let delivered = 0;
    const messages = await consumer.consume({
      max_messages: this.options.batch,
      expires: this.options.pullExpiresMs ?? DEFAULT_PULL_EXPIRES_MS,
      // A consumer or stream that is gone ends the iteration, instead of nats.js retrying forever.
      abort_on_missing_resource: true,
      callback: (m: JsMsg) => {
        if (generation !== this.generation) return;
        if (m.info.deliverySequence !== ++delivered) return this.restart('delivery gap');
        this.options.onMessage({
          subject: m.subject,
          data: m.data,
          streamSequence: m.info.streamSequence,
          pending: m.info.pending,
          msgId: m.headers?.get('Nats-Msg-Id') || undefined,
        });
      },
    });
    void messages.closed().finally(() => consumer.delete().catch(() => undefined));
    void this.watchStatus(messages, generation);
    logger.info({ stream, fromSeq: from, consumer: info.name }, 'revocation feed consuming');
    return messages;
  }

  /** Replace the consumer of `generation` as soon as its idle heartbeats are missed. */
  private async watchStatus(messages: ConsumerMessages, generation: number): Promise<void> {
    try {
      for await (const status of await messages.status()) {
        if (generation !== this.generation || this.closed) return;
        // Missed idle heartbeats leave nats.js checking and pulling again forever: replace it now.
        // (A consumer or stream not found, a consumer deleted, no responders: the iteration ends.)
        if (status.type !== ConsumerEvents.HeartbeatsMissed) continue;
        this.restart(`consumer lost: ${status.type}`);
        return;
      }
    } catch {
      // The iterator ends with the consumer; nothing to do.
    }
  }
}
