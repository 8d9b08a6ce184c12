import { performance } from 'node:perf_hooks';
import {
  connectionState,
  connectNats,
  KIT_PING_INTERVAL_MS,
  RevocationFeed,
  RevocationSet,
  silentLogger,
  Subjects,
} from '@authbus/common';

/** What the parent asks a scale child. */
export type ScaleRequest = { syncedSince: number };

/** What a scale child reports. */
export type ScaleReport =
  | { ready: true }
  /** Every instance of this process has applied each `sid`; `at` is when the last one did (epoch ms). */
  | { applied: Array<{ sid: string; at: number }> }
  /** Every instance of this process was in sync as of `since` or later, first seen at `at`. */
  | { synced: number; at: number; lastReconnectAt: number };

const now = (): number => performance.timeOrigin + performance.now();

/**
 * A process holding many revocation-feed instances for the scale row, each connected the way a
 * service's kit connects (`connectNats`), each with its own set (`node scale-instances.js
 * <natsUrl> <count>`, forked with IPC). Unlike `feed-instances.ts` it reports once per revocation
 * for all its instances (hundreds of instances would otherwise flood the IPC channel), batched every
 * `REPORT_EVERY_MS` (one IPC message per revocation cost these processes about a tenth of a core at
 * 100 revocations/s, on the cores the instances share), and on request when all of them are in
 * sync again after a given moment.
 */
const REPORT_EVERY_MS = 20;

async function main(): Promise<void> {
  const [natsUrl, countText] = process.argv.slice(2);
  const count = Number(countText);
  const feeds: RevocationFeed[] = [];
  // The kit's default unless the run sets another (`BENCH_NATS_PING_MS`), to see what pings cost.
  const pings = { pingIntervalMs: Number(process.env.BENCH_NATS_PING_MS ?? KIT_PING_INTERVAL_MS) };
  let lastReconnectAt = 0;
  const applied = new Map<string, { instances: Set<number>; at: number }>();
  let done: Array<{ sid: string; at: number }> = [];
  setInterval(() => {
    if (done.length === 0) return;
    process.send!({ applied: done } satisfies ScaleReport);
    done = [];
  }, REPORT_EVERY_MS).unref();
  for (let i = 0; i < count; i++) {
    const nc = await connectNats(
      { servers: natsUrl!, name: `bench-scale-${process.pid}-${i}`, ...pings },
      silentLogger,
    );
    const feed = new RevocationFeed({
      nc,
      set: new RevocationSet(),
      onApplied: (envelope) => {
        if (envelope.subject !== Subjects.SessionRevoked) return;
        const at = now();
        const sid = envelope.data.sid;
        let seen = applied.get(sid);
        if (!seen) applied.set(sid, (seen = { instances: new Set(), at: 0 }));
        if (seen.instances.has(i)) return;
        seen.instances.add(i);
        seen.at = Math.max(seen.at, at);
        if (seen.instances.size === count) {
          done.push({ sid, at: seen.at });
          setTimeout(() => applied.delete(sid), 30_000).unref();
        }
      },
    });
    connectionState(nc).on((event) => {
      if (event.type === 'reconnect') lastReconnectAt = Math.max(lastReconnectAt, now());
    });
    feed.start();
    feeds.push(feed);
  }
  await Promise.all(feeds.map((f) => f.whenCaughtUp()));
  process.send!({ ready: true } satisfies ScaleReport);
  process.on('message', (m: ScaleRequest) => {
    const timer = setInterval(() => {
      if (!feeds.every((f) => f.lastSyncAt >= m.syncedSince)) return;
      clearInterval(timer);
      process.send!({ synced: m.syncedSince, at: now(), lastReconnectAt } satisfies ScaleReport);
    }, 5);
  });
  process.on('disconnect', () => process.exit(0));
}

void main();
