import type { JetStreamManager, StreamInfo } from 'nats';
import { silentLogger } from '../../src/logging/logger';
import { MirrorWatch } from '../../src/feed/mirror-watch';
import { StreamSyncMonitor, answeredWithoutLeader } from '../../src/feed/stream-sync-monitor';

const CREATED = '2026-12-01T00:00:00Z';

/** A stream info as a server gives it: `leader` '' is a member of a leaderless group answering. */
function info(lastSeq: number, leader: string | undefined): StreamInfo {
  return {
    created: CREATED,
    state: { last_seq: lastSeq, messages: lastSeq, first_seq: 1 },
    ...(leader === undefined ? {} : { cluster: { name: 'c', leader } }),
  } as unknown as StreamInfo;
}

describe('StreamSyncMonitor', () => {
  it('takes an answer of a leaderless stream group (an election) for no answer, not for a reset', async () => {
    const answers = [info(189, 'n1'), info(179, ''), info(190, '')];
    const jsm = { streams: { info: () => Promise.resolve(answers.shift()!) } } as unknown as JetStreamManager;
    const events: string[] = [];
    const monitor = new StreamSyncMonitor({
      jsm,
      stream: 'AUTH',
      intervalMs: 1000,
      logger: silentLogger,
      now: Date.now,
      appliedSeq: () => 189,
      isClosed: () => false,
      mirror: new MirrorWatch('AUTH', silentLogger, undefined),
      listener: {
        inSync: () => events.push('in sync'),
        reset: (lastSeq) => events.push(`reset ${lastSeq}`),
        stalled: () => events.push('stalled'),
      },
    });
    expect(await monitor.probeNow()).toBe(true);
    // The lagging member's 179 is below what was applied; its 190 is not an end to count on either.
    expect(await monitor.probeNow()).toBe(false);
    expect(await monitor.probeNow()).toBe(false);
    expect(events).toEqual(['in sync']);
    expect(monitor.streamSeq).toBe(189);
    monitor.close();
  });

  it('tells a leaderless answer from a single server, which names itself as the leader', () => {
    expect(answeredWithoutLeader(info(5, ''))).toBe(true);
    expect(answeredWithoutLeader(info(5, 'n2'))).toBe(false);
    expect(answeredWithoutLeader(info(5, undefined))).toBe(false);
  });
});
