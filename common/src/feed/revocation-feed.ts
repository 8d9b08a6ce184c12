import type { Msg, NatsConnection, Subscription } from 'nats';
import type { AnyEventEnvelope, EventEnvelope } from '../events/auth-event';
import { AUTH_HEARTBEAT_SUBJECT, parseHeartbeat } from '../events/auth-heartbeat';
import type { KeySetUpdatedEvent } from '../events/key-set-updated-event';
import { AUTH_LIVE_SUBJECTS, AUTH_STREAM, AUTH_STREAM_SUBJECTS } from '../events/subjects';
import { silentLogger, type Logger } from '../logging/logger';
import { connectionState } from '../nats/connection-state';
import type { RevocationSet } from '../revocation/revocation-set';
import { EventApplier, type FeedSource } from './event-applier';
import { DEFAULT_HEARTBEAT_TIMEOUT_MS, HeartbeatWatch, INSTANCE_MEMORY_MS } from './heartbeat-watch';
import { HungServerWatch } from './hung-server-watch';
import { AheadSequences, republishedPosition } from './live-republish';
import { MirrorWatch } from './mirror-watch';
import { OrderedReplay, type OrderedReplayOptions, type StoredMessage } from './ordered-replay';
import { loadSnapshot, type SnapshotOutcome } from './snapshot-loader';
import { SNAPSHOT_BUCKET } from '../snapshot/snapshot-format';
import { RecentIds } from './recent-ids';
import { StreamSyncMonitor } from './stream-sync-monitor';

export type { FeedSource } from './event-applier';
export type { SnapshotOutcome } from './snapshot-loader';

/** Where the feed reads the auth service's revocation snapshot before it replays the stream. */
export interface FeedSnapshotOptions {
  /** The Object Store bucket; default `AUTH_SNAPSHOT`. */
  bucket?: string;
  /**
   * The JetStream API prefix of the auth account, where the bucket is; default `mirrorOrigin`'s
   * when reading a mirror, else this connection's own API.
   */
  apiPrefix?: string;
}

/** How many live-applied event ids a feed remembers to skip their stream copies (a few seconds at a high rate). */
const LIVE_IDS_REMEMBERED = 10_000;

/**
 * Behind the stream by what a heartbeat or probe said: how long the republished events may still
 * be on their way (through another server of a cluster) before the stream is read for them, ms.
 */
const GAP_GRACE_MS = 100;

/** At most one info line about gaps filled per this long, ms (the metric counts each). */
const GAP_LOG_INTERVAL_MS = 60_000;

/**
 * How the feed receives events as they are stored: `sequenced` from the stream's republish on
 * `auth.live.>` (each event once, with its stream sequence; the stream is read only for a gap),
 * `unsequenced` from auth's own publish on the event subjects (the stream is consumed as well,
 * every event twice: a stream that does not republish), `off` (`live: false`: the stream only),
 * `undecided` until the stream was first read.
 */
export type FeedLiveMode = 'sequenced' | 'unsequenced' | 'off' | 'undecided';

/** Options of a revocation feed. */
export interface RevocationFeedOptions {
  nc: NatsConnection;
  set: RevocationSet;
  /** Stream to replay; default `AUTH`. */
  stream?: string;
  /**
   * Also apply events from a core subscription as they are stored (default true). On a stream that
   * republishes them with their sequences (`auth.live.>`, what `ensureAuthStream` creates) that is
   * the only path in steady state: the stream is read to replay at start and to fill a gap. On one
   * that does not, the feed subscribes to auth's publish and consumes the stream too. `false`:
   * the stream's consumer only.
   */
  live?: boolean;
  /**
   * How often the feed asks the server whether it is in sync, ms, while the auth service's
   * heartbeats (`auth.heartbeat`) are not arriving; default 1000.
   */
  syncIntervalMs?: number;
  /**
   * The auth service's heartbeats count as arriving while one came within this, ms; default 3000.
   * Then the feed makes no JetStream requests of its own (one read of the stream by auth serves
   * every verifier); past it, it asks the server every `syncIntervalMs`.
   */
  heartbeatTimeoutMs?: number;
  /**
   * How long an auth instance fallen silent is remembered (it holds the feed's in-sync time at its
   * last heartbeat meanwhile), ms; default 120 000 (`INSTANCE_MEMORY_MS`).
   */
  silentMemoryMs?: number;
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
  /** Called with each key set the feed receives (`auth.keys.updated`), replayed or live. */
  onKeySet?: (envelope: EventEnvelope<KeySetUpdatedEvent>, source: FeedSource) => void;
  /**
   * When `stream` is a mirror of the auth account's `AUTH` (another NATS account): where that
   * account's JetStream API is imported (`$JS.auth.API`), and how to replace the mirror. A mirror
   * cannot follow an origin that was deleted and created again (its sequences restart) and goes on
   * reporting itself healthy; the heartbeat reads the origin's info too, and replaces the mirror.
   */
  mirrorOrigin?: { apiPrefix: string; replaceMirror: () => Promise<void> };
  /**
   * Load the auth service's snapshot of the revocation state before replaying, then replay only
   * the events after it (default on); `false` always replays the whole stream. A snapshot that is
   * missing, damaged, of another format version or of another stream is skipped with a log line.
   */
  snapshot?: FeedSnapshotOptions | false;
}

/** Where the feed stands in the stream, for a snapshot of its set. */
export interface FeedPosition {
  /** Every event up to this stream sequence is applied. */
  seq: number;
  /** When the stream (a mirror's origin) these sequences belong to was created. */
  streamCreated: string;
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
  /** Times the stream was read for events the live republish did not bring (sequenced mode). */
  gapFills: number;
  /** How events arrive as they are stored (see `FeedLiveMode`). */
  liveMode: FeedLiveMode;
  /** Is a consumer reading the stream now (the replay at start, a gap; always, unless sequenced)? */
  readingStream: boolean;
  /** Heartbeats of the auth service received; malformed ones are counted in `invalid`. */
  heartbeats: number;
  /** When the oldest revocation the auth service said it could not publish yet was made (ms), or null. */
  authUnpublishedSince: number | null;
  /**
   * Auth instances fallen silent without a leaving heartbeat (cut off, hung, crashed): each may
   * hold revocations it answered and cannot publish, so the feed counts itself in sync no later
   * than its last heartbeat, until it is heard again, replaced or forgotten (two minutes).
   */
  authSilentInstances: number;
  /** The snapshot loaded at start-up (seq, entries, ms) or why none was; null until decided. */
  snapshot: SnapshotOutcome | null;
}

/**
 * Feeds a `RevocationSet` from the `AUTH` stream:
 * 1. subscribes to the stream's republish (`auth.live.>`, core NATS) so events apply within a
 *    millisecond or two of being stored, each with its stream sequence: the feed knows it has
 *    every event up to a sequence without a consumer. (A stream that does not republish: the feed
 *    subscribes to auth's own publish instead, consumes the stream as well, and skips the stream's
 *    copy of an event applied live by its `Nats-Msg-Id`.)
 * 2. replays the retained stream from its start (`OrderedReplay`), then stops; a sequence missing
 *    live (lost with a connection, a server or a leader), or a heartbeat or probe that says the
 *    stream holds more than the feed applied, reads the stream again from the first missing one
 *    until it has all, so nothing published while this instance was down or cut off is missed;
 * 3. asks the server every `syncIntervalMs` for the stream's last sequence (`StreamSyncMonitor`):
 *    when everything up to it has been applied the feed is in sync (`lastSyncAt`), which tells a
 *    quiet feed from a silent one.
 * 4. listens to the auth service's heartbeat (`auth.heartbeat`, every second or so): the stream's
 *    last sequence as auth read it, so that while heartbeats arrive step 3 is skipped (no
 *    JetStream request per instance), and since when auth has held revocations it could not
 *    publish: the feed counts itself in sync at most as of then (`lastSyncAt`), so an auth that
 *    answered a sign-out it cannot publish makes every verifier stale after the staleness bound.
 *    An auth instance whose heartbeats stop (cut off from NATS, hung) without a leaving heartbeat
 *    may be holding such a sign-out unseen: the feed counts itself in sync no later than its last
 *    heartbeat until it is heard again or replaced (`HeartbeatWatch`).
 *    Heartbeats that stop coming make the feed check its server answers at all, and leave it for
 *    another when it does not (`HungServerWatch`): a hung server is found without frequent pings.
 * `caughtUp` becomes true once the retained stream has been replayed; until then tokens can't be trusted.
 *
 * The stream may be a mirror of the auth account's `AUTH` in the reader's own NATS account
 * (`ensureRevocationMirror`; it keeps the origin's sequence numbers). Then being in sync with
 * the mirror is not enough: the feed counts itself in sync only as of the last time the mirror
 * had heard from its origin with nothing outstanding (`MirrorWatch`), so a mirror cut off from its
 * origin makes the feed stale like a lost connection does.
 */
export class RevocationFeed {
  private readonly stream: string;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly tokenNow: () => number;
  private readonly applier: EventApplier;
  private readonly mirror: MirrorWatch;
  private readonly heartbeats: HeartbeatWatch;
  /** Events applied live, whose copy from the stream is then skipped. */
  private readonly appliedLive = new RecentIds(LIVE_IDS_REMEMBERED);
  private heartbeatCount = 0;
  private heartbeatSeq = 0;
  private appliedSeq = 0;
  private caughtUpFlag = false;
  private syncedAt = 0;
  private snapshotOutcome: SnapshotOutcome | null = null;
  private closed = false;
  private liveMode: FeedLiveMode = 'undecided';
  /** Sequences applied live past a gap (sequenced mode). */
  private readonly ahead = new AheadSequences();
  private gapFillCount = 0;
  private gapsUnlogged = 0;
  private gapLoggedAt = 0;
  private gapTimer: NodeJS.Timeout | undefined;
  /**
   * The last heartbeat that found the feed behind: in sync as of `at` once everything up to `seq`
   * is applied (the stream's republish may reach a feed after auth's heartbeat that counts it).
   */
  private syncOnceApplied: { seq: number; at: number } | undefined;
  /** Consumer restarts of replays that ended (sequenced mode stops a replay once it has everything). */
  private endedReplayRestarts = 0;
  private replayOptions: OrderedReplayOptions | undefined;
  private readonly subscriptions: Subscription[] = [];
  private replay: OrderedReplay | undefined;
  private monitor: StreamSyncMonitor | undefined;
  private stopWatching: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private resolveCaughtUp!: () => void;
  private readonly caughtUpPromise = new Promise<void>((resolve) => (this.resolveCaughtUp = resolve));

  constructor(private readonly options: RevocationFeedOptions) {
    this.stream = options.stream ?? AUTH_STREAM;
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.tokenNow = options.tokenNow ?? this.now;
    this.applier = new EventApplier({
      set: options.set,
      logger: this.logger,
      tokenNow: this.tokenNow,
      clockToleranceSeconds: options.clockToleranceSeconds ?? 5,
      onApplied: options.onApplied,
      onKeySet: options.onKeySet,
    });
    this.mirror = new MirrorWatch(this.stream, this.logger, options.mirrorOrigin?.replaceMirror);
    this.heartbeats = new HeartbeatWatch(
      options.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS,
      options.silentMemoryMs ?? INSTANCE_MEMORY_MS,
    );
  }

  /** Has the retained stream been replayed? */
  get caughtUp(): boolean {
    return this.caughtUpFlag;
  }

  /**
   * When the feed last knew it had every revocation made, ms since the epoch (0: never): every
   * stored event applied, none held back by the auth service since, and no auth instance fallen
   * silent since its last heartbeat.
   */
  get lastSyncAt(): number {
    const until = this.heartbeats.vouchedUntil(this.now());
    return until === undefined ? this.syncedAt : Math.min(this.syncedAt, until);
  }

  get stats(): FeedStats {
    const { applied, ignored, invalid } = this.applier.counts;
    return {
      applied: { ...applied },
      ignored,
      invalid,
      appliedSeq: this.appliedSeq,
      streamSeq: Math.max(this.monitor?.streamSeq ?? 0, this.heartbeatSeq),
      consumerRestarts: this.endedReplayRestarts + (this.replay?.restarts ?? 0),
      gapFills: this.gapFillCount,
      liveMode: this.liveMode,
      readingStream: this.replay !== undefined || (this.replayOptions === undefined && !this.closed),
      heartbeats: this.heartbeatCount,
      authUnpublishedSince: this.heartbeats.unpublishedSince(this.now()) ?? null,
      authSilentInstances: this.heartbeats.silentInstances(this.now()),
      snapshot: this.snapshotOutcome,
    };
  }

  /**
   * The last applied sequence and the stream it belongs to, once caught up (`undefined` before):
   * the set holds every revocation of the stream up to `seq` (and maybe later ones, applied live).
   */
  get position(): FeedPosition | undefined {
    const streamCreated = this.monitor?.originCreated;
    if (!this.caughtUpFlag || streamCreated === undefined) return undefined;
    return { seq: this.appliedSeq, streamCreated };
  }

  /** Resolves once the retained stream has been replayed. */
  whenCaughtUp(): Promise<void> {
    return this.caughtUpPromise;
  }

  /** Start subscribing and replaying in the background. Returns at once. */
  start(): void {
    if (this.running) return;
    this.subscribe(AUTH_HEARTBEAT_SUBJECT, (msg) => this.heartbeat(msg.data));
    // Before the stream is first read (its reply then follows the subscription): nothing it
    // republishes after that read is missed live. A stream that does not republish sends nothing here.
    if (this.options.live !== false) this.subscribe(AUTH_LIVE_SUBJECTS, (msg) => this.fromRepublish(msg));
    this.running = this.run();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.gapTimer);
    this.monitor?.close();
    this.stopWatching?.();
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
    await this.running;
    await this.replay?.close();
  }

  private subscribe(subject: string, onMessage: (msg: Msg) => void): void {
    this.subscriptions.push(
      this.options.nc.subscribe(subject, {
        callback: (err, msg) => {
          if (!err) onMessage(msg);
        },
      }),
    );
  }

  /**
   * Once the stream was read: on one that republishes, the subscription made at start is the live
   * path; on one that does not, subscribe to auth's publish (before the snapshot and the replay,
   * so that nothing stored meanwhile is missed live).
   */
  private subscribeLive(republishes: boolean): void {
    if (this.options.live === false) this.liveMode = 'off';
    else if (republishes) this.liveMode = 'sequenced';
    else {
      this.liveMode = 'unsequenced';
      for (const subject of AUTH_STREAM_SUBJECTS)
        this.subscribe(subject, (msg) => {
          const id = this.applier.receive(msg.subject, msg.data, 'live');
          if (id !== undefined) this.appliedLive.add(id);
        });
    }
    this.logger.info({ stream: this.stream, live: this.liveMode }, 'revocation feed subscribed');
  }

  private async run(): Promise<void> {
    const { nc } = this.options;
    const intervalMs = this.options.syncIntervalMs ?? 1000;
    // A probe lost in a dying connection must not hold up the next one for long.
    const timeout = Math.min(5000, Math.max(1000, 2 * intervalMs));
    const jsm = await nc.jetstreamManager({ checkAPI: false, timeout });
    const origin = this.options.mirrorOrigin;
    const originJsm = origin
      ? await nc.jetstreamManager({ apiPrefix: origin.apiPrefix, checkAPI: false, timeout })
      : undefined;
    const hung = new HungServerWatch(nc, this.logger, timeout);
    this.monitor = new StreamSyncMonitor({
      jsm,
      stream: this.stream,
      intervalMs,
      logger: this.logger,
      now: this.now,
      appliedSeq: () => this.appliedSeq,
      isClosed: () => this.closed,
      listener: {
        inSync: (at) => this.sourceInSync(at),
        reset: (lastSeq) => this.streamWasReset(lastSeq),
        stalled: () => (this.replay ? this.replay.restart('stalled') : this.fillGap('behind the stream')),
        behind: (lastSeq) => this.suspectGap(lastSeq),
        streamRead: (republishes) => {
          if (this.liveMode === 'undecided') this.subscribeLive(republishes);
        },
      },
      mirror: this.mirror,
      ...(originJsm ? { originJsm } : {}),
      heartbeatFresh: () => this.heartbeats.fresh(this.now()),
      syncedAt: () => this.syncedAt,
      // Heartbeats that came and stopped: a hung server, or auth gone. Only the server can say which.
      heartbeatsQuiet: () => {
        if (this.heartbeatCount > 0) void hung.check();
      },
    });
    await this.monitor.waitForStream();
    if (this.closed) return;
    await this.loadSnapshot(timeout);
    if (this.closed) return;
    this.monitor.start();
    this.replayOptions = {
      nc,
      jsm,
      stream: this.stream,
      batch: this.options.batch ?? 1000,
      logger: this.logger,
      nextSequence: () => this.appliedSeq + 1,
      onMessage: (m) => this.fromStream(m),
    };
    const replay = new OrderedReplay(this.replayOptions);
    this.replay = replay;
    // In sync already (an empty stream, a snapshot that covers it): in sequenced mode nothing to read.
    if (this.caughtUpFlag) this.stopReplay();
    // After a reconnect the consumer is kept (nats.js checks it still exists and pulls again; one
    // that is gone is replaced), and the feed asks at once whether it is in sync: no stall to wait out.
    this.stopWatching = connectionState(nc).on((event) => {
      if (event.type === 'reconnect') this.monitor?.resync();
    });
    if (this.replay === replay) replay.start();
  }

  /**
   * Before the first replay: load the auth service's snapshot and start after the sequence it
   * covers. The stream's last sequence and creation time are those of the probe just made.
   */
  private async loadSnapshot(timeout: number): Promise<void> {
    const options = this.options.snapshot;
    if (options === false || this.appliedSeq !== 0 || !this.monitor) return;
    const created = this.monitor.originCreated;
    const outcome = await loadSnapshot({
      nc: this.options.nc,
      apiPrefix: options?.apiPrefix ?? this.options.mirrorOrigin?.apiPrefix,
      timeout,
      bucket: options?.bucket ?? SNAPSHOT_BUCKET,
      set: this.options.set,
      stream: { created, lastSeq: this.monitor.streamSeq },
      horizonSeconds: Math.floor(this.tokenNow() / 1000) - (this.options.clockToleranceSeconds ?? 5),
      logger: this.logger,
    });
    this.snapshotOutcome = outcome;
    // A reset while it loaded replays the new stream from its start: keep what was loaded (it only
    // widens the set), but not its sequence. Ask the server now rather than hope a heartbeat did.
    if (outcome.loaded && !this.closed) await this.monitor.probeNow();
    const reset = this.monitor.originCreated !== created;
    if (!outcome.loaded || reset || this.appliedSeq !== 0 || this.closed) return;
    this.moveTo(outcome.seq);
    // Nothing after the snapshot: no message will arrive to say so; the server will.
    if (outcome.seq >= this.monitor.streamSeq) void this.monitor.probeNow();
  }

  private fromStream(m: StoredMessage): void {
    const seq = m.streamSequence;
    if (seq > this.appliedSeq) {
      // Already applied from the live subscription: the stream's copy only moves the sequence on.
      const appliedLive = this.ahead.take(seq) || (m.msgId !== undefined && this.appliedLive.take(m.msgId));
      if (!appliedLive) this.applier.receive(m.subject, m.data, 'stream', seq);
      this.moveTo(seq);
    }
    // Nothing stored after it when it was delivered: everything is applied.
    if (m.pending === 0) this.sourceInSync(this.now());
  }

  /** The stream's republish of a stored event: apply it; its sequence says whether one before it is missing. */
  private fromRepublish(msg: Msg): void {
    if (this.liveMode !== 'sequenced' && this.liveMode !== 'undecided') return;
    const position = republishedPosition(msg);
    if (!position) {
      this.applier.counts.invalid++;
      this.logger.warn({ subject: msg.subject }, 'republished event without its stream sequence skipped');
      return;
    }
    const { seq, subject } = position;
    if (seq <= this.appliedSeq || this.ahead.has(seq)) return;
    this.applier.receive(subject, msg.data, 'live', seq);
    if (seq === this.appliedSeq + 1) return this.moveTo(seq);
    this.ahead.add(seq);
    this.fillGap('a live event came after a missing one');
  }

  /** Every event up to `seq` is applied: the position, and any applied ahead just past it. */
  private moveTo(seq: number): void {
    this.appliedSeq = this.ahead.advance(seq);
    const claim = this.syncOnceApplied;
    if (claim && this.appliedSeq >= claim.seq) {
      this.syncOnceApplied = undefined;
      this.markInSync(claim.at);
    }
  }

  /**
   * Behind the stream by what a heartbeat or probe read (sequenced mode): unless the missing
   * events arrive live soon (they may come through another server), read the stream for them.
   */
  private suspectGap(lastSeq: number): void {
    if (this.liveMode !== 'sequenced' || this.replay || this.gapTimer || this.closed) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined;
      if (this.appliedSeq < lastSeq) this.fillGap('behind the stream');
    }, GAP_GRACE_MS);
    this.gapTimer.unref();
  }

  /** Read the stream from the first missing sequence until everything is applied (sequenced mode). */
  private fillGap(reason: string): void {
    const options = this.replayOptions;
    if (this.liveMode !== 'sequenced' || !options || this.replay || this.closed) return;
    this.gapFillCount++;
    this.gapsUnlogged++;
    const now = this.now();
    if (now - this.gapLoggedAt >= GAP_LOG_INTERVAL_MS) {
      this.logger.info(
        { reason, fromSeq: this.appliedSeq + 1, gaps: this.gapsUnlogged, gapFills: this.gapFillCount },
        'revocation feed reading the stream for events missed live',
      );
      this.gapLoggedAt = now;
      this.gapsUnlogged = 0;
    }
    this.replay = new OrderedReplay(options);
    this.replay.start();
  }

  /** Everything stored is applied: in sequenced mode the stream's consumer is not needed any more. */
  private stopReplay(): void {
    const replay = this.replay;
    if (this.liveMode !== 'sequenced' || !replay || !this.caughtUpFlag) return;
    this.ahead.forgetThrough(this.appliedSeq);
    if (this.ahead.size > 0) return;
    if (this.appliedSeq < Math.max(this.monitor?.streamSeq ?? 0, this.heartbeatSeq)) return;
    this.replay = undefined;
    this.endedReplayRestarts += replay.restarts;
    void replay.close();
  }

  /**
   * The auth service's heartbeat. The stream's last sequence it read: all applied, in sync as of
   * when auth read it (no later than now: clocks differ); behind, the stall watch. A stream
   * created at another time than the feed knows (a reset, a new origin) is for the server to
   * explain: probe it now.
   */
  private heartbeat(data: Uint8Array): void {
    const heartbeat = parseHeartbeat(data);
    if (!heartbeat) {
      this.applier.counts.invalid++;
      this.logger.warn({ subject: AUTH_HEARTBEAT_SUBJECT }, 'malformed auth heartbeat skipped');
      return;
    }
    this.heartbeatCount++;
    const now = this.now();
    const monitor = this.monitor;
    const known = heartbeat.stream && monitor && heartbeat.stream.created === monitor.originCreated;
    if (heartbeat.stream && monitor && !known) void monitor.probeNow();
    // What auth said of its outbox counts either way; what it said of the stream only when it is the stream the feed reads.
    this.heartbeats.note(known ? heartbeat : { ...heartbeat, stream: null }, now);
    if (!known || !heartbeat.stream || !monitor) return;
    this.heartbeatSeq = heartbeat.stream.lastSeq;
    if (heartbeat.stream.lastSeq <= this.appliedSeq) this.markInSync(Math.min(heartbeat.at, now));
    else {
      this.syncOnceApplied = { seq: heartbeat.stream.lastSeq, at: Math.min(heartbeat.at, now) };
      monitor.behind(this.appliedSeq);
      this.suspectGap(heartbeat.stream.lastSeq);
    }
  }

  /** Everything in the stream is applied as of `at`; on a mirror, as of when it last had everything of its origin. */
  private sourceInSync(at: number): void {
    const asOf = this.mirror.inSyncAsOf(at);
    if (asOf !== undefined) this.markInSync(asOf);
  }

  private markInSync(at: number): void {
    this.syncedAt = Math.max(this.syncedAt, at);
    this.monitor?.progressed();
    if (!this.caughtUpFlag) {
      this.caughtUpFlag = true;
      this.logger.info(
        { stream: this.stream, appliedSeq: this.appliedSeq, live: this.liveMode, ...this.options.set.size },
        'revocation feed caught up',
      );
      this.resolveCaughtUp();
    }
    this.stopReplay();
  }

  /** The stream was deleted and recreated: its sequences restarted, so replay it from the start. */
  private streamWasReset(lastSeq: number): void {
    this.logger.warn({ appliedSeq: this.appliedSeq, streamSeq: lastSeq }, 'revocation stream was reset; replaying');
    this.appliedSeq = 0;
    this.heartbeatSeq = 0;
    this.syncOnceApplied = undefined;
    this.ahead.clear();
    if (this.replay) this.replay.restart('stream reset');
    else this.fillGap('stream reset');
  }
}
