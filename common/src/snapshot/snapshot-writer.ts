import { performance } from 'node:perf_hooks';
import type { NatsConnection } from 'nats';
import { AUTH_STREAM } from '../events/subjects';
import type { FeedPosition } from '../feed/revocation-feed';
import type { Logger } from '../logging/logger';
import type { RevocationSet } from '../revocation/revocation-set';
import { encodeRevocationSnapshot } from './encode-snapshot';
import { putSnapshot } from './snapshot-bucket';
import { SNAPSHOT_BUCKET } from './snapshot-format';

/** How far behind auth's clock a verifier's may be and still find every revocation it needs in a snapshot, s. */
const SNAPSHOT_CLOCK_MARGIN_SECONDS = 60;
/** Defaults: a snapshot every 10,000 events or every minute with any new event, whichever first. */
export const DEFAULT_SNAPSHOT_EVERY_EVENTS = 10_000;
export const DEFAULT_SNAPSHOT_INTERVAL_MS = 60_000;

/** Options of the snapshot writer. */
export interface SnapshotWriterOptions {
  nc: NatsConnection;
  /** The set to snapshot: the auth service's own kit's (`kit.revocations`). */
  set: RevocationSet;
  /** Where the set stands (`kit.revocationPosition`); nothing is written before it is known. */
  position: () => FeedPosition | undefined;
  /** Write once this many stream events were applied since the last snapshot; default 10,000. */
  everyEvents?: number;
  /** …or once this long passed with at least one, ms; default 60,000. */
  intervalMs?: number;
  /** Object Store bucket; default `AUTH_SNAPSHOT`. */
  bucket?: string;
  /** Replicas of the bucket when it is created; default 1 (like the stream's). */
  replicas?: number;
  /** Token clock, ms: entries whose `until` plus the tolerance is past are left out. Default `Date.now`. */
  tokenNow?: () => number;
  clockToleranceSeconds?: number;
  logger: Logger;
  /** Called after each snapshot written (metrics). */
  onWritten?: (written: SnapshotWritten) => void;
}

/** One snapshot written. */
export interface SnapshotWritten {
  seq: number;
  entries: number;
  bytes: number;
  ms: number;
}

/** How often the writer looks at the feed's position, ms (cheap: a comparison). */
const CHECK_MS = 1000;

/**
 * Keeps the revocation snapshot in NATS up to date: every `everyEvents` events or `intervalMs`,
 * the auth service encodes its own kit's revocation set, which its feed built from the stream
 * exactly as every verifier's does, and stores it with the stream sequence it covers. One write
 * at a time; a failed write is logged and tried again at the next occasion.
 */
export class RevocationSnapshotWriter {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<SnapshotWritten | undefined> | undefined;
  private lastSeq = 0;
  private lastCreated: string | undefined;
  private lastAt: number;
  private readonly everyEvents: number;
  private readonly intervalMs: number;

  constructor(private readonly options: SnapshotWriterOptions) {
    this.everyEvents = options.everyEvents ?? DEFAULT_SNAPSHOT_EVERY_EVENTS;
    this.intervalMs = options.intervalMs ?? DEFAULT_SNAPSHOT_INTERVAL_MS;
    this.lastAt = Date.now();
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(
      () => {
        if (this.due()) void this.writeNow();
      },
      Math.min(CHECK_MS, this.intervalMs),
    );
    this.timer.unref();
  }

  /** Write a snapshot now (after any write under way); `undefined` until the feed has caught up. */
  async writeNow(): Promise<SnapshotWritten | undefined> {
    if (this.writing) await this.writing.catch(() => undefined);
    this.writing ??= this.write().finally(() => (this.writing = undefined));
    return this.writing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.writing?.catch(() => undefined);
  }

  private due(): boolean {
    if (this.writing) return false;
    const position = this.options.position();
    if (!position) return false;
    if (position.streamCreated !== this.lastCreated) return position.seq > 0;
    const events = position.seq - this.lastSeq;
    return events >= this.everyEvents || (events > 0 && Date.now() - this.lastAt >= this.intervalMs);
  }

  private async write(): Promise<SnapshotWritten | undefined> {
    const position = this.options.position();
    if (!position) return undefined;
    const started = performance.now();
    const tokenNow = this.options.tokenNow ?? Date.now;
    // Dropped only well after they ended by auth's clock: a verifier whose clock is behind still
    // refuses those tokens (it prunes them itself, by its own clock, once they are loaded).
    const horizon =
      Math.floor(tokenNow() / 1000) - (this.options.clockToleranceSeconds ?? 5) - SNAPSHOT_CLOCK_MARGIN_SECONDS;
    const bytes = encodeRevocationSnapshot(this.options.set, { stream: AUTH_STREAM, ...position }, horizon);
    try {
      await putSnapshot(this.options.nc.jetstream(), bytes, {
        bucket: this.options.bucket ?? SNAPSHOT_BUCKET,
        replicas: this.options.replicas ?? 1,
      });
    } catch (err) {
      this.options.logger.warn({ err: String(err), seq: position.seq }, 'revocation snapshot not written');
      return undefined;
    }
    this.lastSeq = position.seq;
    this.lastCreated = position.streamCreated;
    this.lastAt = Date.now();
    const { sessions, users, credentials } = this.options.set.size;
    const written = {
      seq: position.seq,
      entries: sessions + users + credentials,
      bytes: bytes.length,
      ms: Math.round((performance.now() - started) * 10) / 10,
    };
    this.options.logger.info(written, 'revocation snapshot written');
    this.options.onWritten?.(written);
    return written;
  }
}
