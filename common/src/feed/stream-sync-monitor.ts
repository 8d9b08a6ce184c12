import type { JetStreamManager, StreamInfo } from 'nats';
import { isStreamNotFound, republishesLive } from '../events/auth-stream';
import { AUTH_STREAM } from '../events/subjects';
import type { Logger } from '../logging/logger';
import type { MirrorWatch } from './mirror-watch';

/** Least time behind the stream with nothing applied before the consumer is replaced, ms. */
const MIN_STALL_PATIENCE_MS = 1500;
/** After a reconnect: how long the short patience lasts, and how short it is, ms. */
const RESYNC_WINDOW_MS = 5000;
const RESYNC_PATIENCE_MS = 400;
/** After a reconnect: how soon a probe that failed is made again, ms. */
const RESYNC_RETRY_MS = 150;
/** After a reconnect, while auth's heartbeats arrive: how long to wait for the next before probing, ms. */
const RESYNC_HEARTBEAT_GRACE_MS = 100;

/** What the monitor reports to the feed. */
export interface SyncListener {
  /** Everything stored up to the last probe is applied: the feed was in sync at `at`. */
  inSync(at: number): void;
  /** The stream was deleted and created again (its sequences restarted): replay it from the start. */
  reset(lastSeq: number): void;
  /** Behind the stream and nothing applied for a while: start a fresh consumer. */
  stalled(): void;
  /** A probe found the stream holding more than the feed applied (up to `lastSeq`). */
  behind?(lastSeq: number): void;
  /** The stream was read (before `inSync` or the rest): whether it republishes its events with their sequences. */
  streamRead?(republishes: boolean): void;
}

/** Options of the monitor. */
export interface StreamSyncMonitorOptions {
  jsm: JetStreamManager;
  stream: string;
  intervalMs: number;
  logger: Logger;
  now: () => number;
  /** The last stream sequence the feed applied. */
  appliedSeq: () => number;
  listener: SyncListener;
  /** Has the feed been closed (stop waiting for the stream)? */
  isClosed: () => boolean;
  /** What is known of the stream as a mirror (nothing changes when it is not one). */
  mirror: MirrorWatch;
  /** A mirror's origin, read through the auth account's API (see `RevocationFeedOptions.mirrorOrigin`). */
  originJsm?: JetStreamManager;
  /** Do the auth service's heartbeats say it all already? Then the interval's probe is skipped. */
  heartbeatFresh?: () => boolean;
  /** Called on each interval while the heartbeats are not fresh (the feed checks its server answers). */
  heartbeatsQuiet?: () => void;
  /** When the feed was last in sync, ms (a resync after a reconnect stops once it is, as of the reconnect). */
  syncedAt?: () => number;
}

/**
 * The heartbeat: every `intervalMs`, compare the stream's state (its last sequence, its creation
 * time) with what the feed applied. All applied: in sync, which tells a quiet feed (nothing to
 * apply) from a silent one (no answer). Fewer messages than applied, or another creation time:
 * the stream was reset. Behind, with no progress for a while: stalled.
 */
export class StreamSyncMonitor {
  /** The last sequence the server reported. */
  streamSeq = 0;
  /** When `AUTH` itself (the origin, when the stream is a mirror) was created, as last read. */
  originCreated: string | undefined;

  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private streamCreated: string | undefined;
  private lastProgressSeq = 0;
  private lastProgressAt = 0;
  private probing: Promise<boolean> | undefined;
  private resyncUntil = 0;

  constructor(private readonly options: StreamSyncMonitorOptions) {}

  /** Probe until the stream can be read (the auth service creates it: a service started first waits). */
  async waitForStream(): Promise<void> {
    let logged = false;
    while (!this.stopped() && !(await this.probeNow())) {
      if (!logged)
        this.options.logger.warn({ stream: this.options.stream }, 'revocation stream not reachable yet; waiting');
      logged = true;
      await new Promise((resolve) => setTimeout(resolve, this.options.intervalMs));
    }
  }

  /** Probe every interval from now on, unless the auth service's heartbeats are fresh. */
  start(): void {
    if (this.stopped()) return;
    this.timer = setTimeout(() => {
      if (this.options.heartbeatFresh?.()) return this.start();
      this.options.heartbeatsQuiet?.();
      void this.probeNow().then(() => this.start());
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Probe now (one at a time): a heartbeat said something only the server can explain. */
  probeNow(): Promise<boolean> {
    if (this.stopped()) return Promise.resolve(false);
    if (this.probing) return this.probing;
    const probing = this.probe().finally(() => {
      if (this.probing === probing) this.probing = undefined;
    });
    this.probing = probing;
    return probing;
  }

  /**
   * The connection is back: probe at once, without waiting for a probe that left on the old
   * socket (its reply may be lost: it would hold every later probe until it times out). For a
   * while the consumer is given only a short patience to deliver what the feed is behind on: a
   * message lost with the old socket leaves no gap until the next one.
   */
  resync(): void {
    if (this.stopped()) return;
    const back = this.options.now();
    const until = (this.resyncUntil = back + RESYNC_WINDOW_MS);
    this.probing = undefined;
    // A restarted server answers before its JetStream has recovered its streams: ask again soon,
    // until it answers (or the window passes), rather than at the next interval.
    const attempt = (): void => {
      if (this.stopped() || this.resyncUntil !== until || (this.options.syncedAt?.() ?? 0) >= back) return;
      void this.probeNow().then((read) => {
        if (read || this.options.now() >= until) return;
        setTimeout(attempt, RESYNC_RETRY_MS).unref();
      });
    };
    // While auth's heartbeats arrive, its first one after the reconnect (it beats at once when it is
    // back) says it for every instance: hundreds of instances reconnecting together then make no
    // burst of requests. Probe only if it does not come soon.
    if (this.options.heartbeatFresh?.()) setTimeout(attempt, RESYNC_HEARTBEAT_GRACE_MS).unref();
    else attempt();
  }

  /** Progress was made (an event applied, or the feed otherwise in sync): the stall clock starts over. */
  progressed(): void {
    this.lastProgressAt = this.options.now();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private stopped(): boolean {
    return this.closed || this.options.isClosed();
  }

  /** Ask the server for the stream's state; returns whether the stream could be read. */
  private async probe(): Promise<boolean> {
    const { jsm, stream, mirror, originJsm, listener } = this.options;
    const startedAt = this.options.now();
    // What was applied when the request left: the reply holds at least that much (unless the
    // stream was reset). Read later, a reply that left before the consumer delivered more would
    // look like a stream that shrank, and the whole stream would be replayed for nothing.
    const applied = this.options.appliedSeq();
    let readOrigin = false;
    try {
      const info = await jsm.streams.info(stream);
      readOrigin = true;
      const originInfo = originJsm ? await originJsm.streams.info(AUTH_STREAM) : undefined;
      // During a leader election a member of the stream's group answers with its own state, which
      // may lag behind what is committed and applied: neither a reset nor an end to be in sync
      // with. Count it as no answer; the next probe (soon, after a reconnect) asks the new leader.
      if (answeredWithoutLeader(info) || (originInfo && answeredWithoutLeader(originInfo))) {
        this.options.logger.debug(
          { stream, lastSeq: info.state.last_seq, applied },
          'revocation sync probe answered by a leaderless stream group; ignored',
        );
        return false;
      }
      if (originInfo && mirror.originWasRecreated(info, originInfo)) return true;
      // On a mirror, what the origin holds counts: a new mirror may not have copied it yet.
      const lastSeq = Math.max(info.state.last_seq, originInfo?.state.last_seq ?? 0);
      const messages = Math.max(info.state.messages, originInfo?.state.messages ?? 0);
      this.streamSeq = lastSeq;
      // A stream deleted and created again restarts its sequences: detect it by its creation time,
      // not only by a last sequence below ours (it may already have passed ours again).
      const recreated = this.streamCreated !== undefined && info.created !== this.streamCreated;
      this.streamCreated = info.created;
      this.originCreated = originInfo?.created ?? info.created;
      // Of `AUTH` itself (the origin, on a mirror). A test's stand-in may leave the configuration out.
      listener.streamRead?.(republishesLive((originInfo ?? info).config ?? {}));
      mirror.note(info, startedAt);
      if (recreated || lastSeq < applied) listener.reset(lastSeq);
      else if (messages === 0 || lastSeq <= applied) listener.inSync(startedAt);
      else {
        this.behind(applied);
        listener.behind?.(lastSeq);
      }
      return true;
    } catch (err) {
      if (!isStreamNotFound(err)) this.options.logger.debug({ err: String(err) }, 'revocation sync probe failed');
      // The feed's own stream is gone (not the origin: that is read after it): on a mirror, make it again.
      else if (!readOrigin) mirror.missing();
      return false;
    }
  }

  /** The stream holds more than `applied`: start a fresh consumer when nothing is applied for a while. */
  behind(applied: number): void {
    const now = this.options.now();
    if (applied !== this.lastProgressSeq) {
      this.lastProgressSeq = applied;
      this.lastProgressAt = now;
      return;
    }
    // Behind with nothing applied: a live consumer delivers within milliseconds, so a couple of
    // intervals of silence mean it is lost (it lived on a server that died, its pull went astray).
    const patience =
      now < this.resyncUntil ? RESYNC_PATIENCE_MS : Math.max(MIN_STALL_PATIENCE_MS, 2 * this.options.intervalMs);
    if (now - this.lastProgressAt >= patience) {
      this.lastProgressAt = now;
      this.options.listener.stalled();
      // Heartbeats may be standing in for probes: let the server say what is wrong (a lost mirror).
      void this.probeNow();
    }
  }
}

/**
 * Was this stream info given by a member of a group that has no leader (nats-server answers so while
 * the group elects one)? A single server names itself as the leader.
 */
export function answeredWithoutLeader(info: Pick<StreamInfo, 'cluster'>): boolean {
  return info.cluster !== undefined && !info.cluster.leader;
}
