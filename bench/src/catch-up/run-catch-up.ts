import { performance } from 'node:perf_hooks';
import { connect } from 'nats';
import { RevocationFeed, RevocationSet, Subjects, type SessionRevokedEvent } from '@authbus/common';
import { createEnvelope, ensureAuthStream } from '@authbus/common/issuer';
import { startNatsServer } from '@authbus/common/testing';
import { progress } from '../progress';
import type { BenchSettings } from '../settings';
import { round } from '../stats';

export interface CatchUpResult {
  events: number;
  readyMs: number;
  eventsPerSecond: number;
}

/** A stream holding K retained revocations; a fresh instance starts, replays them, reports ready. */
export async function runCatchUp(settings: BenchSettings['catchUp']): Promise<CatchUpResult> {
  const nats = await startNatsServer();
  const publisher = await connect({ servers: nats.url });
  try {
    await ensureAuthStream(await publisher.jetstreamManager(), { maxAgeMs: 3600_000 });
    const js = publisher.jetstream();
    const until = Math.floor(Date.now() / 1000) + 3600;
    const batch = 1000;
    for (let i = 0; i < settings.events; i += batch) {
      await Promise.all(
        Array.from({ length: Math.min(batch, settings.events - i) }, (_, j) => {
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
    progress(`catch-up: ${settings.events} revocations retained; starting a fresh instance`);
    const nc = await connect({ servers: nats.url });
    const set = new RevocationSet();
    const started = performance.now();
    const feed = new RevocationFeed({ nc, set, live: false });
    feed.start();
    await feed.whenCaughtUp();
    const readyMs = performance.now() - started;
    if (set.size.sessions !== settings.events) throw new Error(`replayed ${set.size.sessions} of ${settings.events}`);
    await feed.close();
    await nc.close();
    return {
      events: settings.events,
      readyMs: round(readyMs, 1),
      eventsPerSecond: Math.round(settings.events / (readyMs / 1000)),
    };
  } finally {
    await publisher.close();
    await nats.stop();
  }
}
