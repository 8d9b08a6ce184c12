import type { Logger } from '@authbus/common';
import { FENCE_ALLOWANCE_MS, RevocationFence, fenceAfterMs, fenceMarginMs } from '../../src/outbox/revocation-fence';

const T0 = 1_800_000_000_000;
const settings = { memoryMs: 120_000, clockToleranceMs: 5000, heartbeatIntervalMs: 1000 };
const FIFTEEN_MINUTES = 15 * 60_000;

function recording(): { logger: Logger; lines: Array<{ level: string; msg: string }> } {
  const lines: Array<{ level: string; msg: string }> = [];
  const logger: Logger = {
    debug: () => undefined,
    info: (_f, msg) => void lines.push({ level: 'info', msg: msg ?? '' }),
    warn: (_f, msg) => void lines.push({ level: 'warn', msg: msg ?? '' }),
    error: (_f, msg) => void lines.push({ level: 'error', msg: msg ?? '' }),
    child: () => logger,
  };
  return { logger, lines };
}

function fenceAt(clock: { now: number }, changes: boolean[] = []) {
  const { logger, lines } = recording();
  const fence = new RevocationFence({ ...settings, now: () => clock.now, logger, onChange: (f) => changes.push(f) });
  return { fence, lines, changes };
}

describe('fenceAfterMs', () => {
  it('is memory − clock tolerance − (one heartbeat interval + the allowance)', () => {
    expect(FENCE_ALLOWANCE_MS).toBe(1000);
    expect(fenceMarginMs(settings)).toBe(2000);
    expect(fenceAfterMs(settings)).toBe(120_000 - 5000 - 2000);
    expect(fenceAfterMs({ memoryMs: 12_000, clockToleranceMs: 5000, heartbeatIntervalMs: 1000 })).toBe(5000);
    expect(fenceAfterMs({ memoryMs: 7000, clockToleranceMs: 5000, heartbeatIntervalMs: 1000 })).toBe(0);
  });
});

describe('RevocationFence', () => {
  afterEach(() => jest.useRealTimers());

  it('is closed until the server confirms a first heartbeat (no verifier knows the instance yet), without a log line', () => {
    const clock = { now: T0 };
    const { fence, lines, changes } = fenceAt(clock);
    expect(fence.answerable(0)).toBe(false);
    expect(fence.fencePoint()).toBeUndefined();
    fence.heard(T0);
    expect(fence.answerable(0)).toBe(true);
    expect(changes).toEqual([false]);
    expect(lines).toEqual([]);
    fence.close();
  });

  it('answers a revocation iff its tokens, with the tolerance and the margin, expire before verifiers may forget the instance', () => {
    const clock = { now: T0 };
    const { fence } = fenceAt(clock);
    fence.heard(T0);
    // until + tolerance + margin ≤ h + memory: left ≤ 120 s − 5 s − 2 s = 113 s right after the heartbeat.
    expect(fence.answerable(113_000)).toBe(true);
    expect(fence.answerable(113_001)).toBe(false);
    // A whole access-token lifetime outlives the default memory at any moment: never answered.
    expect(fence.answerable(FIFTEEN_MINUTES)).toBe(false);
    // Ten seconds on, ten seconds less of it.
    clock.now = T0 + 10_000;
    expect(fence.answerable(103_000)).toBe(true);
    expect(fence.answerable(103_001)).toBe(false);
    // Past the old time-only point (memory − bound − margin = 88 s) a short revocation is still safe.
    clock.now = T0 + 100_000;
    expect(fence.answerable(13_000)).toBe(true);
    expect(fence.answerable(13_001)).toBe(false);
    fence.close();
  });

  it('answers a whole token lifetime when the memory outlives it (20 min memory, 15 min tokens)', () => {
    const clock = { now: T0 };
    const { logger } = recording();
    const fence = new RevocationFence({ ...settings, memoryMs: 20 * 60_000, now: () => clock.now, logger });
    fence.heard(T0);
    expect(fence.answerable(FIFTEEN_MINUTES)).toBe(true);
    clock.now = T0 + 5 * 60_000 - 7000;
    expect(fence.answerable(FIFTEEN_MINUTES)).toBe(true);
    clock.now += 1;
    expect(fence.answerable(FIFTEEN_MINUTES)).toBe(false);
    fence.close();
  });

  it('counts a revocation as covering at least now (an until already past is a revocation of now)', () => {
    const clock = { now: T0 };
    const { fence } = fenceAt(clock);
    fence.heard(T0);
    clock.now = T0 + fenceAfterMs(settings);
    expect(fence.answerable(-60_000)).toBe(true);
    clock.now += 1;
    expect(fence.answerable(-60_000)).toBe(false);
    fence.close();
  });

  it('answers nothing past the fence point after the newest confirmed heartbeat, not a millisecond after', () => {
    const clock = { now: T0 };
    const { fence, lines, changes } = fenceAt(clock);
    fence.heard(T0);
    const point = T0 + fenceAfterMs(settings);
    expect(fence.fencePoint()).toBe(point);
    clock.now = point;
    expect(fence.answerable(0)).toBe(true);
    expect(fence.fenced).toBe(false);
    clock.now = point + 1;
    expect(fence.answerable(0)).toBe(false);
    expect(fence.fenced).toBe(true);
    expect(changes).toEqual([false, true]);
    expect(lines).toEqual([{ level: 'warn', msg: expect.stringMatching(/^revocations fenced/) }]);
    fence.close();
  });

  it('opens again at the next confirmed heartbeat, and says how long it was closed', () => {
    const clock = { now: T0 };
    const { fence, lines, changes } = fenceAt(clock);
    fence.heard(T0);
    clock.now = T0 + 200_000;
    expect(fence.answerable(0)).toBe(false);
    fence.heard(clock.now);
    expect(fence.answerable(0)).toBe(true);
    expect(changes).toEqual([false, true, false]);
    expect(lines.map((l) => l.msg)).toEqual([
      expect.stringMatching(/^revocations fenced/),
      expect.stringMatching(/^revocations answered again/),
    ]);
    fence.close();
  });

  it('counts from the newest heartbeat: a confirmation of an older one moves nothing', () => {
    const clock = { now: T0 };
    const { fence } = fenceAt(clock);
    fence.heard(T0 + 5000);
    fence.heard(T0); // a flush that waited out a hung server, for a heartbeat sent earlier
    expect(fence.fencePoint()).toBe(T0 + 5000 + fenceAfterMs(settings));
    fence.close();
  });

  it('closes on time with no revocation asking: the gauge and the log line follow the clock', () => {
    jest.useFakeTimers({ now: T0 });
    const { logger, lines } = recording();
    const changes: boolean[] = [];
    const fence = new RevocationFence({ ...settings, now: Date.now, logger, onChange: (f) => changes.push(f) });
    fence.heard(Date.now());
    jest.advanceTimersByTime(fenceAfterMs(settings));
    expect(changes).toEqual([false]);
    jest.advanceTimersByTime(2);
    expect(changes).toEqual([false, true]);
    expect(lines).toHaveLength(1);
    fence.close();
  });

  it('asks clients to come back after a heartbeat interval, at least a second', () => {
    const { logger } = recording();
    const at = (heartbeatIntervalMs: number) =>
      new RevocationFence({ ...settings, heartbeatIntervalMs, now: () => T0, logger }).retryAfterSeconds;
    expect(at(1000)).toBe(1);
    expect(at(200)).toBe(1);
    expect(at(2500)).toBe(3);
  });
});
