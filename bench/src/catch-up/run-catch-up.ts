import { performance } from 'node:perf_hooks';
import { connect, type NatsConnection } from 'nats';
import { RevocationFeed, RevocationSet, silentLogger, Subjects, type SessionRevokedEvent } from '@authbus/common';
import { createEnvelope, ensureAuthStream, RevocationSnapshotWriter } from '@authbus/common/issuer';
import { startNatsServer } from '@authbus/common/testing';
import { progress } from '../progress';
import type { BenchSettings } from '../settings';
import { round } from '../stats';

export interface CatchUpResult {
  /** Revocations retained in the stream. */
  events: number;
  /** Start → ready of a fresh instance on the production path: the snapshot, then the tail. */
  readyMs: number;
  /** `events / readyMs`. */
  eventsPerSecond: number;
  /** Events published after the snapshot, replayed from the stream. */
  tailEvents: number;
  /** The snapshot as auth wrote it: bytes, and the time auth took to encode and store it. */
  snapshotBytes: number;
  snapshotWriteMs: number;
  /** Fetching, checking, parsing and inserting the snapshot, within `readyMs`; `snapshotFetchMs` of it reading it from NATS. */
  snapshotLoadMs: number;
  snapshotFetchMs: number;
  /** Start → ready replaying the whole stream (no snapshot), for comparison. */
  fullReplayMs: number;
}

/** A tail of 1% of the retained events (at least 100): what a snapshot every 10,000 events leaves at 10^6. */
const tailOf = (events: number): number => Math.max(100, Math.floor(events / 100));

/**
 * A stream holding K retained revocations; the auth side (a feed of its own, as auth's kit) builds
 * its set and writes the snapshot; a small tail is published after it. A fresh instance starts,
 * loads the snapshot, replays the tail and reports ready; another replays the whole stream.
 */
export async function runCatchUp(settings: BenchSettings['catchUp']): Promise<CatchUpResult> {
  const nats = await startNatsServer();
  const publisher = await connect({ servers: nats.url });
  try {
    await ensureAuthStream(await publisher.jetstreamManager(), { maxAgeMs: 3600_000 });
    const tailEvents = tailOf(settings.events);
    const snapshotAt = settings.events - tailEvents;
    await publishRevocations(publisher, 0, snapshotAt);
    const written = await writeSnapshotAsAuth(nats.url);
    if (written.seq !== snapshotAt) throw new Error(`snapshot at seq ${written.seq}, not ${snapshotAt}`);
    await publishRevocations(publisher, snapshotAt, settings.events);
    progress(
      `catch-up: ${settings.events} revocations retained, a snapshot of ${written.bytes} bytes at seq ${written.seq}; starting a fresh instance`,
    );
    const withSnapshot = await startFresh(nats.url, settings.events, true);
    const snapshot = withSnapshot.stats.snapshot;
    if (!snapshot?.loaded) throw new Error(`the snapshot was not loaded: ${snapshot?.reason ?? 'no outcome'}`);
    const fullReplay = await startFresh(nats.url, settings.events, false);
    return {
      events: settings.events,
      readyMs: round(withSnapshot.readyMs, 1),
      eventsPerSecond: Math.round(settings.events / (withSnapshot.readyMs / 1000)),
      tailEvents,
      snapshotBytes: written.bytes,
      snapshotWriteMs: written.ms,
      snapshotLoadMs: snapshot.ms,
      snapshotFetchMs: snapshot.fetchMs,
      fullReplayMs: round(fullReplay.readyMs, 1),
    };
  } finally {
    await publisher.close();
    await nats.stop();
  }
}

async function publishRevocations(nc: NatsConnection, from: number, to: number): Promise<void> {
  const js = nc.jetstream();
  const until = Math.floor(Date.now() / 1000) + 3600;
  const batch = 1000;
  for (let i = from; i < to; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, to - i) }, (_, j) => {
        const envelope = createEnvelope<SessionRevokedEvent>(Subjects.SessionRevoked, {
          sid: `sid-${i + j}-${Math.random().toString(36).slice(2, 10)}`,
          sub: `user-${(i + j) % 5000}`,
          reason: 'signout',
          revokedAt: new Date().toISOString(),
          until,
        });
        return js.publish(envelope.subject, JSON.stringify(envelope), { msgID: envelope.id });
      }),
    );
  }
}

/** What auth does: its feed builds the set from the stream, the writer stores it. */
async function writeSnapshotAsAuth(url: string) {
  const nc = await connect({ servers: url });
  const set = new RevocationSet();
  const feed = new RevocationFeed({ nc, set, live: false, snapshot: false });
  try {
    feed.start();
    await feed.whenCaughtUp();
    const writer = new RevocationSnapshotWriter({ nc, set, position: () => feed.position, logger: silentLogger });
    const written = await writer.writeNow();
    await writer.close();
    if (!written) throw new Error('auth wrote no snapshot');
    return written;
  } finally {
    await feed.close();
    await nc.close();
  }
}

async function startFresh(url: string, events: number, snapshot: boolean) {
  const nc = await connect({ servers: url });
  const set = new RevocationSet();
  const started = performance.now();
  const feed = new RevocationFeed({ nc, set, live: false, ...(snapshot ? {} : { snapshot: false as const }) });
  try {
    feed.start();
    await feed.whenCaughtUp();
    const readyMs = performance.now() - started;
    if (set.size.sessions !== events) throw new Error(`caught up with ${set.size.sessions} of ${events}`);
    return { readyMs, stats: feed.stats };
  } finally {
    await feed.close();
    await nc.close();
  }
}
