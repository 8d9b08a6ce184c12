import {
  AckPolicy,
  DeliverPolicy,
  nanos,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
  type StreamInfo,
  type Subscription,
} from 'nats';
import { EventInvalidError } from '../errors/event-invalid-error';
import type { AnyEventEnvelope } from '../events/auth-event';
import { isStreamNotFound } from '../events/auth-stream';
import { parseEvent } from '../events/parse-event';
import { AUTH_STREAM, AUTH_SUBJECTS } from '../events/subjects';
import { silentLogger, type Logger } from '../logging/logger';
import { applyRevocation } from './apply-revocation';
import { mirrorPredatesOrigin } from '../events/revocation-mirror';
import { streamCurrency } from './mirror-currency';
import type { RevocationSet } from './revocation-set';

/** Where an event reached the feed: the core subscription (live) or the ordered consumer (stream). */
export type FeedSource = 'live' | 'stream';

/** Options of a revocation feed. */
export interface RevocationFeedOptions {
  nc: NatsConnection;
  set: RevocationSet;
  /** Stream to replay; default `AUTH`. */
  stream?: string;
  /**
   * Also apply events from a core subscription on `auth.>` as they are published (default true).
   * The ordered consumer still replays and fills gaps; this only makes live delivery faster.
   */
  live?: boolean;
  /** How often the feed asks the server whether it is in sync (the heartbeat), ms; default 1000. */
  syncIntervalMs?: number;
  /** Messages per pull while replaying; default 1000. */
  batch?: number;
  logger?: Logger;
  /** Wall clock for heartbeats and staleness, ms; default `Date.now`. */
  now?: () => number;
  /** Clock that token times (`until`) are compared with, ms; default `now`. Tests freeze it. */
  tokenNow?: () => number;
  /**
   * The verifiers' clock tolerance, seconds (default 5): a token is accepted until `exp` plus
   * this, so a revocation is kept (and applied on replay) until `until` plus this.
   */
  clockToleranceSeconds?: number;
  /** Called after each revocation event is applied (propagation measurements, metrics). */
  onApplied?: (envelope: AnyEventEnvelope, source: FeedSource) => void;
  /**
   * When `stream` is a mirror of the auth account's `AUTH` (another NATS account): where that
   * account's JetStream API is imported (`$JS.auth.API`), and how to replace the mirror. A mirror
   * cannot follow an origin that was deleted and created again (its sequences restart) and goes on
   * reporting itself healthy; the heartbeat reads the origin's info too, and replaces the mirror.
   */
  mirrorOrigin?: { apiPrefix: string; replaceMirror: () => Promise<void> };
}

/** Counters of a feed, read by metrics. */
export interface FeedStats {
  applied: Record<FeedSource, number>;
  ignored: number;
  invalid: number;
  /** Last stream sequence applied. */
  appliedSeq: number;
  /** Last stream sequence the server reported. */
  streamSeq: number;
  consumerRestarts: number;
}

/**
 * Feeds a `RevocationSet` from the `AUTH` stream:
 * 1. subscribes to `auth.>` (core NATS) so live events apply within a millisecond or two;
 * 2. replays the retained stream from its start through an ordered consumer, and keeps consuming
 *    it, so nothing published while this instance was down or disconnected is missed;
 * 3. asks the server every `syncIntervalMs` for the stream's last sequence: when everything up to it
 *    has been applied the feed is in sync (`lastSyncAt`), which tells a quiet feed from a silent one.
 * `caughtUp` becomes true once the retained stream has been replayed; until then tokens can't be trusted.
 *
 * The stream may be a mirror of the auth account's `AUTH` in the reader's own NATS account
 * (`ensureRevocationMirror`; it keeps the origin's sequence numbers). Then being in sync with
 * the mirror is not enough: the feed counts itself in sync only as of the last time the mirror
 * had heard from its origin with nothing outstanding, so a mirror cut off from its origin makes
 * the feed stale like a lost connection does.
 */
export class RevocationFeed {
  readonly stats: FeedStats = {
    applied: { live: 0, stream: 0 },
    ignored: 0,
    invalid: 0,
    appliedSeq: 0,
    streamSeq: 0,
    consumerRestarts: 0,
  };

  private readonly stream: string;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly tokenNow: () => number;
  private caughtUpFlag = false;
  private syncedAt = 0;
  private closed = false;
  private subscription: Subscription | undefined;
  private generation = 0;
  private requestRestart: () => void = () => undefined;
  private syncTimer: NodeJS.Timeout | undefined;
  private jsm: JetStreamManager | undefined;
  private running: Promise<void> | undefined;
  private streamCreated: string | undefined;
  private lastProgressSeq = 0;
  private lastProgressAt = 0;
  /**
   * For a mirror (a reader's copy of the auth account's stream): when it last had everything its
   * origin had, as of the last heartbeat; `undefined` when not known. `null`: not a mirror.
   */
  private mirrorCurrentAt: number | undefined | null = null;
  private mirrorProblem: string | undefined;
  private originJsm: JetStreamManager | undefined;
  private replacingMirror: Promise<void> | undefined;
  private resolveCaughtUp!: () => void;
  private readonly caughtUpPromise = new Promise<void>((resolve) => (this.resolveCaughtUp = resolve));

  constructor(private readonly options: RevocationFeedOptions) {
    this.stream = options.stream ?? AUTH_STREAM;
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.tokenNow = options.tokenNow ?? this.now;
  }

  /** Has the retained stream been replayed? */
  get caughtUp(): boolean {
    return this.caughtUpFlag;
  }

  /** When the feed last knew it had every stored event, ms since the epoch (0: never). */
  get lastSyncAt(): number {
    return this.syncedAt;
  }

  /** Resolves once the retained stream has been replayed. */
  whenCaughtUp(): Promise<void> {
    return this.caughtUpPromise;
  }

  /** Start subscribing and replaying in the background. Returns at once. */
  start(): void {
    if (this.running) return;
    if (this.options.live !== false) {
      this.subscription = this.options.nc.subscribe(AUTH_SUBJECTS, {
        callback: (err, msg) => {
          if (!err) this.receive(msg.subject, msg.data, 'live');
        },
      });
    }
    this.running = this.run();
    void this.watchConnection();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.syncTimer);
    this.subscription?.unsubscribe();
    this.requestRestart();
    await this.running;
  }

  private async run(): Promise<void> {
    const interval = this.options.syncIntervalMs ?? 1000;
    // A probe lost in a dying connection must not hold up the next one for long.
    const timeout = Math.min(5000, Math.max(1000, 2 * interval));
    this.jsm = await this.options.nc.jetstreamManager({ checkAPI: false, timeout });
    const origin = this.options.mirrorOrigin;
    if (origin) this.originJsm = await this.options.nc.jetstreamManager({ apiPrefix: origin.apiPrefix, checkAPI: false, timeout });
    await this.waitForStream();
    this.scheduleSync();
    while (!this.closed) {
      const restart = new Promise<void>((resolve) => (this.requestRestart = resolve));
      let failed = false;
      try {
        const starting = this.consume(++this.generation);
        const messages = await Promise.race([starting, restart]);
        if (messages) await Promise.race([messages.closed(), restart]);
        // Don't wait for the old consumer to wind down: its late messages are ignored by generation.
        void starting.then((m) => m.close()).catch(() => undefined);
      } catch (err) {
        failed = true;
        if (!this.closed) this.logger.warn({ err: String(err), stream: this.stream }, 'revocation consumer failed');
      }
      if (this.closed) break;
      this.stats.consumerRestarts++;
      if (failed) await Promise.race([this.pause(500), restart]);
    }
  }

  /**
   * After a reconnect, start a fresh ordered consumer from the next unapplied sequence at once:
   * a pull request lost with the old socket would otherwise stall delivery until it times out.
   */
  private async watchConnection(): Promise<void> {
    for await (const status of this.options.nc.status()) {
      if (this.closed) break;
      if (status.type === 'reconnect') this.restart('reconnected');
    }
  }

  private restart(reason: string): void {
    if (!this.closed) this.logger.info({ reason, appliedSeq: this.stats.appliedSeq }, 'revocation consumer restarting');
    this.requestRestart();
  }

  /** The auth service creates the stream; a service started first waits for it (not ready meanwhile). */
  private async waitForStream(): Promise<void> {
    let logged = false;
    while (!this.closed && !(await this.sync())) {
      if (!logged) this.logger.warn({ stream: this.stream }, 'revocation stream not reachable yet; waiting');
      logged = true;
      await this.pause(this.options.syncIntervalMs ?? 1000);
    }
  }

  /**
   * A new ordered consumer: ephemeral, in memory, no acks, starting at the next unapplied stream
   * sequence. Its messages carry `generation`, so a replaced consumer's late messages are ignored.
   * Any gap in its delivery sequence restarts it from the next unapplied sequence (the ordered-
   * consumer contract), as do reconnects and stalls.
   */
  private async consume(generation: number): Promise<ConsumerMessages> {
    const from = this.stats.appliedSeq + 1;
    const info = await this.jsm!.consumers.add(this.stream, {
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: from,
      mem_storage: true,
      num_replicas: 1,
      // A consumer left behind by a lost connection is removed by the server after a minute.
      inactive_threshold: nanos(60_000),
    });
    const consumer = await this.options.nc.jetstream().consumers.get(this.stream, info.name);
    let delivered = 0;
    const messages = await consumer.consume({
      max_messages: this.options.batch ?? 1000,
      callback: (m: JsMsg) => {
        if (generation !== this.generation) return;
        if (m.info.deliverySequence !== ++delivered) return this.restart('delivery gap');
        this.fromStream(m);
      },
    });
    void messages.closed().finally(() => consumer.delete().catch(() => undefined));
    this.logger.info({ stream: this.stream, fromSeq: from, consumer: info.name }, 'revocation feed consuming');
    return messages;
  }

  private fromStream(m: JsMsg): void {
    const { streamSequence, pending } = m.info;
    if (streamSequence <= this.stats.appliedSeq) return;
    this.receive(m.subject, m.data, 'stream', streamSequence);
    this.stats.appliedSeq = streamSequence;
    if (pending === 0) this.markSourceInSync(this.now());
  }

  private receive(subject: string, data: Uint8Array, source: FeedSource, seq?: number): void {
    let envelope: AnyEventEnvelope;
    try {
      envelope = parseEvent(subject, data);
    } catch (err) {
      this.stats.invalid++;
      const reason = err instanceof EventInvalidError ? err.message : String(err);
      this.logger.warn({ subject, source, seq, err: reason }, 'malformed event skipped');
      return;
    }
    const horizon = Math.floor(this.tokenNow() / 1000) - (this.options.clockToleranceSeconds ?? 5);
    if (applyRevocation(this.options.set, envelope, horizon)) {
      this.stats.applied[source]++;
      this.options.onApplied?.(envelope, source);
    } else {
      this.stats.ignored++;
    }
  }

  /** The heartbeat: every `syncIntervalMs`, compare the stream's state with what was applied. */
  private scheduleSync(): void {
    if (this.closed) return;
    this.syncTimer = setTimeout(() => {
      void this.sync().then(() => this.scheduleSync());
    }, this.options.syncIntervalMs ?? 1000);
    this.syncTimer.unref();
  }

  /** Ask the server for the stream's state; returns whether the stream could be read. */
  private async sync(): Promise<boolean> {
    const startedAt = this.now();
    try {
      const info = await this.jsm!.streams.info(this.stream);
      const origin = this.originJsm ? await this.originJsm.streams.info(AUTH_STREAM) : undefined;
      if (origin && this.originWasRecreated(info, origin)) return true;
      // On a mirror, what the origin holds counts: a new mirror may not have copied it yet.
      const lastSeq = Math.max(info.state.last_seq, origin?.state.last_seq ?? 0);
      const messages = Math.max(info.state.messages, origin?.state.messages ?? 0);
      this.stats.streamSeq = lastSeq;
      // A stream deleted and created again restarts its sequences: detect it by its creation time,
      // not only by a last sequence below ours (it may already have passed ours again).
      const recreated = this.streamCreated !== undefined && info.created !== this.streamCreated;
      this.streamCreated = info.created;
      this.noteMirror(info, startedAt);
      if (recreated || lastSeq < this.stats.appliedSeq) this.streamWasReset(lastSeq);
      else if (messages === 0 || lastSeq <= this.stats.appliedSeq) this.markSourceInSync(startedAt);
      else this.watchProgress();
      return true;
    } catch (err) {
      if (!isStreamNotFound(err)) this.logger.debug({ err: String(err) }, 'revocation sync probe failed');
      return false;
    }
  }

  /**
   * Mirrors only: is the origin newer than the mirror (deleted and created again since)? Then the
   * mirror will never hold what the origin gets from now on, so it is replaced (the next heartbeat
   * sees this stream recreated and replays it); until then the feed is not in sync.
   */
  private originWasRecreated(mirror: StreamInfo, origin: StreamInfo): boolean {
    if (!mirrorPredatesOrigin(mirror, origin)) return false;
    if (!this.replacingMirror) {
      this.logger.warn({ stream: this.stream, mirrorCreated: mirror.created, originCreated: origin.created }, 'AUTH was created anew: replacing the revocation mirror');
      this.replacingMirror = this.options.mirrorOrigin!.replaceMirror()
        .catch((err: unknown) => this.logger.error({ err: String(err) }, 'revocation mirror could not be replaced'))
        .finally(() => (this.replacingMirror = undefined));
    }
    return true;
  }

  /** Keep what the stream's info says of its origin (mirrors only), and log when that changes. */
  private noteMirror(info: StreamInfo, probedAt: number): void {
    const currency = streamCurrency(info, probedAt);
    if (!currency.mirror) {
      this.mirrorCurrentAt = null;
      return;
    }
    this.mirrorCurrentAt = currency.currentAt;
    const { problem } = currency;
    if (problem !== this.mirrorProblem) {
      if (problem) this.logger.warn({ stream: this.stream, problem }, 'revocation mirror is not following its origin');
      else this.logger.info({ stream: this.stream }, 'revocation mirror is following its origin');
      this.mirrorProblem = problem;
    }
  }

  /**
   * Everything in the stream is applied as of `at`: in sync then, or, for a mirror, as of the
   * last time it was known to hold everything of its origin (never later than `at`).
   */
  private markSourceInSync(at: number): void {
    if (this.mirrorCurrentAt === null) this.markInSync(at);
    else if (this.mirrorCurrentAt !== undefined) this.markInSync(Math.min(at, this.mirrorCurrentAt));
  }

  private markInSync(at: number): void {
    this.syncedAt = Math.max(this.syncedAt, at);
    this.lastProgressAt = this.now();
    if (!this.caughtUpFlag) {
      this.caughtUpFlag = true;
      this.logger.info({ stream: this.stream, appliedSeq: this.stats.appliedSeq, ...this.options.set.size }, 'revocation feed caught up');
      this.resolveCaughtUp();
    }
  }

  /** Behind the stream: if nothing is applied for a while, start a fresh consumer. */
  private watchProgress(): void {
    const now = this.now();
    if (this.stats.appliedSeq !== this.lastProgressSeq) {
      this.lastProgressSeq = this.stats.appliedSeq;
      this.lastProgressAt = now;
      return;
    }
    const patience = Math.max(2000, 5 * (this.options.syncIntervalMs ?? 1000));
    if (now - this.lastProgressAt >= patience) {
      this.lastProgressAt = now;
      this.restart('stalled');
    }
  }

  /** The stream was deleted and recreated: its sequences restarted, so replay it from the start. */
  private streamWasReset(lastSeq: number): void {
    this.logger.warn({ appliedSeq: this.stats.appliedSeq, streamSeq: lastSeq }, 'revocation stream was reset; replaying');
    this.stats.appliedSeq = 0;
    this.restart('stream reset');
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
