import type { Logger } from '@authbus/common';

/**
 * Slack on top of one heartbeat interval in the fence's margin, ms: the verifier's and auth's
 * clocks running at slightly different rates over the memory, timers firing late, and the time
 * between auth's decision and its answer reaching the client.
 */
export const FENCE_ALLOWANCE_MS = 1000;

/** What the fence needs to know: the settings verifiers use, and auth's heartbeat interval. */
export interface FenceSettings {
  /** `REVOCATION_SILENT_MEMORY`: how long a verifier remembers a silent auth instance, ms. */
  memoryMs: number;
  /** `REVOCATION_MAX_STALENESS`: the bound of the invariant, ms. */
  maxStalenessMs: number;
  /** `AUTH_HEARTBEAT_INTERVAL`, ms. */
  heartbeatIntervalMs: number;
}

/**
 * How long after its newest heartbeat the server confirmed auth may still answer a revocation it
 * could not publish with 200, ms: memory − bound − margin, margin = one heartbeat interval +
 * `FENCE_ALLOWANCE_MS`.
 *
 * Why. Let `h` be when auth published the newest heartbeat the server confirmed (a flush's PONG
 * after it). Every verifier that received it did so at `h` or later, so it remembers this instance
 * (holding its in-sync time at that heartbeat, no later than `h`) at least until `h + memory`. A
 * revocation answered 200 at `t` without reaching the stream is enforced by staleness from
 * `t + bound` on only while it is remembered, so the invariant needs
 *
 *     t + bound + margin ≤ h + memory,   i.e.   t − h ≤ memory − bound − margin.
 *
 * The margin covers one heartbeat a verifier may have missed although the server had it (a slow
 * consumer's dropped message, a route hiccup), which makes its last heartbeat one interval older,
 * plus the allowance. A configuration where this is ≤ 0 leaves no moment where a 200 is safe, and
 * the auth service refuses it (`loadConfig`).
 */
export function fenceAfterMs({ memoryMs, maxStalenessMs, heartbeatIntervalMs }: FenceSettings): number {
  return memoryMs - maxStalenessMs - (heartbeatIntervalMs + FENCE_ALLOWANCE_MS);
}

/** The fence's options: its settings, a clock, where it logs, and who hears when it closes or opens. */
export interface RevocationFenceOptions extends FenceSettings {
  now: () => number;
  logger: Logger;
  /** Called with the new state when the fence closes (true) or opens again (false). */
  onChange?: (fenced: boolean) => void;
}

/**
 * The fence clock: knows when verifiers last heard this auth instance (its newest heartbeat the
 * server confirmed) and so until when they will hold for it; past `fenceAfterMs` of that, a
 * revocation the stream has not acknowledged is still recorded (the outbox publishes it when the
 * bus is back) but must not be answered 200 (`RevocationPendingError`, 503). A revocation the
 * stream acknowledged is enforced by the events themselves and never needs the fence.
 *
 * Before the first confirmed heartbeat no verifier knows this instance and none would hold for it,
 * so the fence starts closed (without a log line: that is start-up, not an outage).
 */
export class RevocationFence {
  private heardAt: number | undefined;
  private closed = true;
  private timer: NodeJS.Timeout | undefined;
  private closedAt: number | undefined;
  private readonly afterMs: number;

  constructor(private readonly options: RevocationFenceOptions) {
    this.afterMs = fenceAfterMs(options);
  }

  /** The server confirmed a heartbeat this instance published at `publishedAt` (ms). */
  heard(publishedAt: number): void {
    if (this.heardAt !== undefined && publishedAt <= this.heardAt) return;
    this.heardAt = publishedAt;
    this.update();
    // Close on time even when no revocation asks: the log line and the gauge say when it happened.
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.update(), Math.max(0, this.fencePoint()! - this.options.now() + 1));
    this.timer.unref();
  }

  /** May a revocation the stream has not acknowledged be answered 200 now? */
  answerable(): boolean {
    this.update();
    return !this.closed;
  }

  /** Is the fence closed now (the gauge)? */
  get fenced(): boolean {
    this.update();
    return this.closed;
  }

  /** From when on revocations are fenced, ms (auth's clock); undefined before the first confirmed heartbeat. */
  fencePoint(): number | undefined {
    return this.heardAt === undefined ? undefined : this.heardAt + this.afterMs;
  }

  /** When to ask again, seconds: a heartbeat interval, at least one second (`Retry-After`). */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.options.heartbeatIntervalMs / 1000));
  }

  close(): void {
    clearTimeout(this.timer);
  }

  private update(): void {
    const now = this.options.now();
    const point = this.fencePoint();
    const closed = point === undefined || now > point;
    if (closed === this.closed) return;
    this.closed = closed;
    const { logger, onChange, memoryMs, maxStalenessMs } = this.options;
    if (closed) {
      this.closedAt = now;
      logger.warn(
        { lastHeardAt: new Date(this.heardAt!).toISOString(), fenceAfterMs: this.afterMs, memoryMs, maxStalenessMs },
        'revocations fenced: out of contact with NATS so long that verifiers may forget this instance; revocations are recorded but answered 503 until the bus is back',
      );
    } else if (this.closedAt !== undefined) {
      logger.info({ fencedForMs: now - this.closedAt }, 'revocations answered again: verifiers hear this instance');
      this.closedAt = undefined;
    }
    onChange?.(closed);
  }
}
