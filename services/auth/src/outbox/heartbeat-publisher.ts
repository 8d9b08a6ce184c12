import { setTimeout as delay } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { AUTH_STREAM, connectionState, type Logger } from '@authbus/common';
import {
  AUTH_HEARTBEAT_SUBJECT,
  answeredWithoutLeader,
  encodeHeartbeat,
  type AuthHeartbeat,
} from '@authbus/common/issuer';
import type { NatsConnection } from 'nats';
import type { AuthStore } from '../store/auth-store';

/** After a reconnect, how soon a heartbeat whose stream read failed is sent again, ms. */
const REBEAT_MS = 100;

/** What the heartbeat needs. */
export interface HeartbeatPublisherOptions {
  nc: NatsConnection;
  store: Pick<AuthStore, 'backlog' | 'kind'>;
  intervalMs: number;
  logger: Logger;
  now: () => number;
  /** Since when something else answered but not yet published has waited (a key withdrawal), ms. */
  pendingSince?: () => number | undefined;
  /** The stream could not be read while connected: the server may be hung (`HungServerFailover`). */
  onUnanswered?: () => void;
  /** The server confirmed (a flush's PONG) a heartbeat published at `publishedAt` (wall clock, ms; `RevocationFence`). */
  onDelivered?: (publishedAt: number) => void;
  /**
   * `REVOCATION_SILENT_MEMORY`, announced in every heartbeat: verifiers remember this instance at
   * least that long once it falls silent, whatever their own setting (the fence answers by it).
   */
  silentMemoryMs?: number;
}

/**
 * Publishes the auth service's heartbeat (`auth.heartbeat`, core NATS) every `intervalMs`: the
 * `AUTH` stream's last sequence, read once here for every verifier (they skip their own JetStream
 * requests while heartbeats arrive), and since when this instance's outbox has held a revocation
 * it could not publish. The outbox is read before the stream: whatever was made before `at` is
 * either still waiting (and said so) or was published before the stream was read (and counted).
 * When the stream cannot be read (no leader during an election) the heartbeat still goes out with
 * `stream: null`: the outbox's word is what matters most then.
 */
export class HeartbeatPublisher {
  readonly instance = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private beating: Promise<void> | undefined;
  private streamReadable = true;
  private stopWatching: (() => void) | undefined;
  private confirming = false;
  private begun = false;

  constructor(private readonly options: HeartbeatPublisherOptions) {}

  start(): void {
    if (this.closed) return;
    // Back on a server: beat at once. Verifiers wait for a heartbeat to know they are in sync
    // again, and a beat that left on the old socket may be waiting out its timeout.
    this.stopWatching ??= connectionState(this.options.nc).on((event) => {
      if (event.type === 'reconnect') void this.beatUntilStreamRead();
    });
    // The first beat at once: until verifiers have heard an instance they hold nothing for it,
    // and until the server confirms a heartbeat its revocations are fenced (`RevocationFence`).
    const first = !this.begun;
    this.begun = true;
    this.timer = setTimeout(
      () => {
        this.beating = this.beat().then(
          () => this.start(),
          () => this.start(),
        );
      },
      first ? 0 : this.options.intervalMs,
    );
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.stopWatching?.();
    await this.beating;
  }

  /**
   * The last heartbeat of a clean shutdown, after the outbox was drained: `leaving`, with what is
   * still waiting. Verifiers then stop expecting this instance (a rolling deploy does not make them
   * stale), or keep counting what it leaves behind. Stops the heartbeat; flushes so it is sent
   * before the connection closes.
   */
  async leave(): Promise<AuthHeartbeat | undefined> {
    await this.close();
    const heartbeat = await this.beat({ leaving: true });
    // Disconnected, the flush would wait for a reconnect that may never come: not past a second.
    if (heartbeat)
      await Promise.race([this.options.nc.flush().catch(() => undefined), delay(1000, undefined, { ref: false })]);
    return heartbeat;
  }

  /**
   * Beat now, and again every 100 ms while the stream cannot be read yet (a restarted server
   * answers before its JetStream has recovered the stream), for up to one interval.
   */
  private async beatUntilStreamRead(): Promise<void> {
    const until = this.options.now() + this.options.intervalMs;
    while (!this.closed) {
      const heartbeat = await this.beat().catch(() => undefined);
      if (heartbeat?.stream || this.options.now() >= until) return;
      await new Promise((resolve) => setTimeout(resolve, REBEAT_MS).unref());
    }
  }

  /** Read the outbox, then the stream, and publish what they say. */
  async beat(last: { leaving?: true } = {}): Promise<AuthHeartbeat | undefined> {
    const { nc, store, now, intervalMs, logger } = this.options;
    if (nc.isClosed()) return undefined;
    const at = now();
    const backlog = await store.backlog().catch(() => undefined);
    // Without the outbox's word the heartbeat would say "nothing waiting" when it may not be so.
    if (!backlog) return undefined;
    const stream = await nc
      .jetstreamManager({ checkAPI: false, timeout: Math.max(500, intervalMs) })
      .then((jsm) => jsm.streams.info(AUTH_STREAM))
      // A member of a leaderless group (an election) answers with its own, maybe lagging, state: a
      // last sequence verifiers would take for the stream's end. Say nothing of the stream then.
      .then((info) => (answeredWithoutLeader(info) ? null : { lastSeq: info.state.last_seq, created: info.created }))
      .catch((err: unknown) => {
        if (!nc.isClosed()) this.options.onUnanswered?.();
        if (this.streamReadable) logger.warn({ err: String(err) }, 'auth heartbeat: AUTH stream not readable');
        return null;
      });
    if (stream && !this.streamReadable) logger.info({}, 'auth heartbeat: AUTH stream readable again');
    this.streamReadable = stream !== null;
    const heartbeat: AuthHeartbeat = {
      v: 1,
      instance: this.instance,
      at,
      stream,
      unpublishedSince: oldest(backlog.oldestCreatedAt?.getTime(), this.options.pendingSince?.()) ?? null,
      ...(store.kind === 'mongo' ? { sharedOutbox: true } : {}),
      ...(this.options.silentMemoryMs !== undefined ? { silentMemoryMs: this.options.silentMemoryMs } : {}),
      ...last,
    };
    if ((this.closed && !last.leaving) || nc.isClosed()) return undefined;
    // The wall clock, not `now` (which tests may freeze): the fence measures real time, as verifiers' memory does.
    const publishedAt = Date.now();
    nc.publish(AUTH_HEARTBEAT_SUBJECT, encodeHeartbeat(heartbeat));
    this.confirm(publishedAt);
    return heartbeat;
  }

  /**
   * Ask the server for a PONG after the heartbeat: once it comes, the server had the heartbeat,
   * and every verifier hears it at `publishedAt` or later. One at a time: while a flush waits (a
   * hung server), later heartbeats are not confirmed, and a disconnect rejects the wait.
   */
  private confirm(publishedAt: number): void {
    const { nc, onDelivered } = this.options;
    if (!onDelivered || this.confirming) return;
    this.confirming = true;
    nc.flush()
      .then(
        () => onDelivered(publishedAt),
        () => undefined,
      )
      .finally(() => (this.confirming = false));
  }
}

function oldest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}
