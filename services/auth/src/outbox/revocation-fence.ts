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
  /** The verifiers' clock tolerance: they accept a token until `exp` + this, ms. */
  clockToleranceMs: number;
  /** `AUTH_HEARTBEAT_INTERVAL`, ms. */
  heartbeatIntervalMs: number;
}

/** The fence's margin, ms: one heartbeat interval a verifier may have missed, plus `FENCE_ALLOWANCE_MS`. */
export function fenceMarginMs({ heartbeatIntervalMs }: Pick<FenceSettings, 'heartbeatIntervalMs'>): number {
  return heartbeatIntervalMs + FENCE_ALLOWANCE_MS;
}

/**
 * How long after its newest heartbeat the server confirmed auth may answer *any* revocation it could
 * not publish with 200, ms: memory − tolerance − margin. It follows from the per-revocation rule
 * (`RevocationFence.answerable`) for the shortest revocation there is, one whose tokens expire now
 * (`until` ≥ now): past it every unpublished revocation is answered 503. A configuration where this is
 * ≤ 0 could never answer one, and the auth service refuses it (`loadConfig`).
 */
export function fenceAfterMs(settings: FenceSettings): number {
  return settings.memoryMs - settings.clockToleranceMs - fenceMarginMs(settings);
}

/** The fence's options: its settings, a clock, where it logs, and who hears when it closes or opens. */
export interface RevocationFenceOptions extends FenceSettings {
  /** The wall clock, ms (verifiers measure their memory in real time). */
  now: () => number;
  logger: Logger;
  /** Called with the new state when the fence closes (true: every unpublished revocation is 503) or opens (false). */
  onChange?: (fenced: boolean) => void;
}

/**
 * The fence: knows when verifiers last heard this auth instance (its newest heartbeat the server
 * confirmed) and so until when they remember it, and decides, per revocation the stream has not
 * acknowledged, whether it may be answered 200 (`answerable`). Otherwise the revocation is still
 * recorded (applied here, the outbox publishes it when the bus is back) but answered 503
 * (`RevocationPendingError`). A revocation the stream acknowledged is enforced by its events and
 * never asks.
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

  /**
   * May a revocation the stream has not acknowledged, whose tokens must stay refused `leftMs` from
   * now (its `until` − now, on the clock that stamps the tokens' `exp`), be answered 200 now?
   *
   * The rule. Let `h` be when auth published its newest heartbeat the server confirmed (a flush's
   * PONG after it), `M` the memory, `S` the staleness bound, `tol` the verifiers' clock tolerance,
   * `margin` one heartbeat interval (a heartbeat a verifier may have missed although the server had
   * it) + `FENCE_ALLOWANCE_MS`. A verifier heard its last heartbeat `h'` at `h − interval` or later
   * and holds its in-sync time there: from `h' + S` (≤ `t + S`, `t` the answer) it is stale and
   * applies its staleness policy, until it forgets this instance at `h' + M` ≥ `h + M − interval`
   * and counts itself in sync again, accepting every unexpired token the unpublished revocation
   * covers. Those tokens are accepted until `until + tol` at the latest. So a 200 keeps "answered
   * means enforced, or the staleness policy applied, within S" for any length of cut-off iff
   *
   *     until + tol + margin ≤ h + M      (now + leftMs + tol + margin ≤ h + M)
   *
   * No condition on `t + S` is needed: before the verifier forgets, it is stale from `t + S` on at
   * the latest, and after it, nothing the revocation covers is valid. The time-only fence point
   * `h + M − tol − margin` (`fencePoint`) is this rule for `until` = now (a revocation always covers
   * at least now), so `leftMs` is counted from 0: past that point every unpublished revocation is
   * answered 503, and that is the moment the gauge and the log line mark.
   */
  answerable(leftMs: number): boolean {
    this.update();
    if (this.closed || this.heardAt === undefined) return false;
    const { now, memoryMs, clockToleranceMs } = this.options;
    return now() + Math.max(0, leftMs) + clockToleranceMs + fenceMarginMs(this.options) <= this.heardAt + memoryMs;
  }

  /** Is every unpublished revocation answered 503 now (the gauge)? */
  get fenced(): boolean {
    this.update();
    return this.closed;
  }

  /** From when on every unpublished revocation is answered 503, ms (wall clock); undefined before the first confirmed heartbeat. */
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
    const { logger, onChange, memoryMs, clockToleranceMs } = this.options;
    if (closed) {
      this.closedAt = now;
      logger.warn(
        { lastHeardAt: new Date(this.heardAt!).toISOString(), fenceAfterMs: this.afterMs, memoryMs, clockToleranceMs },
        'revocations fenced: out of contact with NATS so long that verifiers may forget this instance; every revocation is recorded but answered 503 until the bus is back',
      );
    } else if (this.closedAt !== undefined) {
      logger.info({ fencedForMs: now - this.closedAt }, 'revocations answered again: verifiers hear this instance');
      this.closedAt = undefined;
    }
    onChange?.(closed);
  }
}
