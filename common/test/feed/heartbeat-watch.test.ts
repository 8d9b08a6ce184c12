import type { AuthHeartbeat } from '@authbus/common/issuer';
import { parseHeartbeat } from '../../src/events/auth-heartbeat';
import { HeartbeatWatch, INSTANCE_MEMORY_MS } from '../../src/feed/heartbeat-watch';

const TIMEOUT_MS = 3000;
const T0 = 1_800_000_000_000;

function beat(fields: Partial<AuthHeartbeat> = {}): AuthHeartbeat {
  return { v: 1, instance: 'auth-1', at: T0, stream: { lastSeq: 1, created: 'c' }, unpublishedSince: null, ...fields };
}

describe('HeartbeatWatch', () => {
  it('limits nothing while every instance is heard within the timeout with nothing waiting', () => {
    const watch = new HeartbeatWatch(TIMEOUT_MS);
    watch.note(beat(), T0);
    expect(watch.vouchedUntil(T0 + TIMEOUT_MS)).toBeUndefined();
    expect(watch.silentInstances(T0 + TIMEOUT_MS)).toBe(0);
  });

  it('counts an instance fallen silent as vouching only up to its last heartbeat, until it is heard again', () => {
    const watch = new HeartbeatWatch(TIMEOUT_MS);
    watch.note(beat({ at: T0 - 20 }), T0);
    watch.note(beat({ instance: 'auth-2', at: T0 + 2000 }), T0 + 2000);
    // auth-1 silent: in sync no later than its last `at`; auth-2 still heard.
    expect(watch.vouchedUntil(T0 + TIMEOUT_MS + 1)).toBe(T0 - 20);
    expect(watch.silentInstances(T0 + TIMEOUT_MS + 1)).toBe(1);
    watch.note(beat({ at: T0 + 4000 }), T0 + 4000);
    expect(watch.vouchedUntil(T0 + 4000)).toBeUndefined();
  });

  it('takes a heartbeat no later than it arrived (a clock ahead of ours)', () => {
    const watch = new HeartbeatWatch(TIMEOUT_MS);
    watch.note(beat({ at: T0 + 60_000 }), T0);
    expect(watch.vouchedUntil(T0 + TIMEOUT_MS + 1)).toBe(T0);
  });

  it('keeps what a silent instance said was waiting, when it is older than its last heartbeat', () => {
    const watch = new HeartbeatWatch(TIMEOUT_MS);
    watch.note(beat({ unpublishedSince: T0 - 5000 }), T0);
    expect(watch.vouchedUntil(T0 + 1)).toBe(T0 - 5000);
    expect(watch.vouchedUntil(T0 + TIMEOUT_MS + 1)).toBe(T0 - 5000);
  });

  it('forgets an instance that leaves with nothing waiting, and keeps what one leaves behind', () => {
    const watch = new HeartbeatWatch(TIMEOUT_MS);
    watch.note(beat(), T0);
    watch.note(beat({ leaving: true, at: T0 + 100 }), T0 + 100);
    expect(watch.vouchedUntil(T0 + 10 * TIMEOUT_MS)).toBeUndefined();
    expect(watch.silentInstances(T0 + 10 * TIMEOUT_MS)).toBe(0);
    watch.note(beat({ instance: 'auth-2', leaving: true, unpublishedSince: T0 - 50 }), T0);
    expect(watch.vouchedUntil(T0 + 10 * TIMEOUT_MS)).toBe(T0 - 50);
    // Gone, not silent: it is not waited for, only what it left is counted.
    expect(watch.silentInstances(T0 + 10 * TIMEOUT_MS)).toBe(0);
  });

  it('lets any instance of a shared outbox speak for a silent one, not an instance of its own outbox', () => {
    const watch = new HeartbeatWatch(TIMEOUT_MS);
    watch.note(beat({ instance: 'crashed', sharedOutbox: true }), T0);
    watch.note(beat({ instance: 'memory', at: T0 }), T0);
    const later = T0 + TIMEOUT_MS + 1000;
    watch.note(beat({ instance: 'restarted', sharedOutbox: true, at: later }), later);
    // The memory-store instance is silent still; the crashed shared one is spoken for.
    expect(watch.silentInstances(later)).toBe(1);
    watch.note(beat({ instance: 'memory', at: later }), later);
    expect(watch.vouchedUntil(later)).toBeUndefined();
  });

  it('forgets a silent instance once its memory window ends', () => {
    const watch = new HeartbeatWatch(TIMEOUT_MS);
    watch.note(beat({ unpublishedSince: T0 - 1 }), T0);
    expect(watch.vouchedUntil(T0 + INSTANCE_MEMORY_MS)).toBe(T0 - 1);
    expect(watch.vouchedUntil(T0 + INSTANCE_MEMORY_MS + 1)).toBeUndefined();
    expect(watch.unpublishedSince(T0 + INSTANCE_MEMORY_MS + 1)).toBeUndefined();
  });

  it('forgets a silent instance after the memory it was given, not the default', () => {
    const memoryMs = 10_000;
    const watch = new HeartbeatWatch(TIMEOUT_MS, memoryMs);
    watch.note(beat({ at: T0 }), T0);
    expect(watch.vouchedUntil(T0 + memoryMs)).toBe(T0);
    expect(watch.silentInstances(T0 + memoryMs)).toBe(1);
    expect(watch.vouchedUntil(T0 + memoryMs + 1)).toBeUndefined();
    expect(watch.silentInstances(T0 + memoryMs + 1)).toBe(0);
  });

  it('remembers a silent instance for the longer memory it announced (auth answers revocations by it), never for a shorter one', () => {
    const memoryMs = 10_000;
    const watch = new HeartbeatWatch(TIMEOUT_MS, memoryMs);
    watch.note(beat({ instance: 'longer', at: T0, silentMemoryMs: 60_000 }), T0);
    watch.note(beat({ instance: 'shorter', at: T0 + 5, silentMemoryMs: 2000 }), T0 + 5);
    expect(watch.silentInstances(T0 + memoryMs + 10)).toBe(1);
    expect(watch.vouchedUntil(T0 + memoryMs + 10)).toBe(T0);
    expect(watch.vouchedUntil(T0 + 60_000)).toBe(T0);
    expect(watch.vouchedUntil(T0 + 60_001)).toBeUndefined();
    expect(watch.silentInstances(T0 + 60_001)).toBe(0);
  });

  it('is fresh only while a heartbeat with the stream came within the timeout', () => {
    const watch = new HeartbeatWatch(TIMEOUT_MS);
    expect(watch.fresh(T0)).toBe(false);
    watch.note(beat({ stream: null }), T0);
    expect(watch.fresh(T0)).toBe(false);
    watch.note(beat(), T0);
    expect(watch.fresh(T0 + TIMEOUT_MS)).toBe(true);
    expect(watch.fresh(T0 + TIMEOUT_MS + 1)).toBe(false);
  });
});

describe('parseHeartbeat', () => {
  const wire = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

  it('reads `leaving`, and ignores fields it does not know (a newer auth stays readable)', () => {
    expect(parseHeartbeat(wire({ ...beat(), leaving: true, later: { x: 1 } }))).toEqual({ ...beat(), leaving: true });
    expect(parseHeartbeat(wire({ ...beat(), leaving: false }))).toEqual(beat());
  });

  it('refuses a `leaving` that is not a boolean', () => {
    expect(parseHeartbeat(wire({ ...beat(), leaving: 'yes' }))).toBeUndefined();
  });

  it('reads `silentMemoryMs` from 1 s to 24 h, and refuses any other', () => {
    expect(parseHeartbeat(wire({ ...beat(), silentMemoryMs: 120_000 }))).toEqual({
      ...beat(),
      silentMemoryMs: 120_000,
    });
    for (const bad of [999, 24 * 3600_000 + 1, 1.5e3 + 0.5, '120000', null, -1])
      expect(parseHeartbeat(wire({ ...beat(), silentMemoryMs: bad }))).toBeUndefined();
  });
});

describe('HeartbeatWatch, shared outboxes', () => {
  it('keeps a silent instance of a shared outbox counted once the last instance speaking for it leaves', () => {
    const watch = new HeartbeatWatch(TIMEOUT_MS);
    // B is cut off from NATS (still writing sign-outs into the shared outbox); A speaks for it.
    watch.note(beat({ instance: 'B', sharedOutbox: true, at: T0 }), T0);
    const t1 = T0 + 10_000;
    watch.note(beat({ instance: 'A', sharedOutbox: true, at: t1 }), t1);
    expect(watch.vouchedUntil(t1)).toBeUndefined();
    expect(watch.silentInstances(t1)).toBe(0);
    // A leaves cleanly: nobody relays the shared outbox any more, B still writes into it.
    const t2 = t1 + 1000;
    watch.note(beat({ instance: 'A', sharedOutbox: true, at: t2, leaving: true }), t2);
    expect(watch.vouchedUntil(t2 + TIMEOUT_MS)).toBe(t2);
    expect(watch.silentInstances(t2 + TIMEOUT_MS)).toBe(1);
    // Another instance of the outbox starts: spoken for again.
    const t3 = t2 + 5000;
    watch.note(beat({ instance: 'C', sharedOutbox: true, at: t3 }), t3);
    expect(watch.vouchedUntil(t3)).toBeUndefined();
  });

  it("takes a shared outbox's latest word about what waits, not a silent instance's older one", () => {
    const watch = new HeartbeatWatch(TIMEOUT_MS);
    watch.note(beat({ instance: 'B', sharedOutbox: true, at: T0, unpublishedSince: T0 - 10 }), T0);
    const t1 = T0 + TIMEOUT_MS + 1000;
    watch.note(beat({ instance: 'A', sharedOutbox: true, at: t1, unpublishedSince: null }), t1);
    expect(watch.vouchedUntil(t1)).toBeUndefined();
    expect(watch.unpublishedSince(t1)).toBeUndefined();
  });
});
