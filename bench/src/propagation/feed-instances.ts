import { performance } from 'node:perf_hooks';
import { connect } from 'nats';
import { RevocationFeed, RevocationSet, Subjects } from '@authbus/common';

/**
 * A process holding several revocation-feed instances, each with its own NATS connection and
 * set (`node feed-instances.js <natsUrl[,natsUrl…]> <count>`, forked with IPC). For every revoked session it
 * reports, per instance, the moment the set first refused it: `{ sid, instance, at }` with `at`
 * in epoch ms at sub-millisecond resolution, comparable across processes on one machine.
 */
async function main(): Promise<void> {
  const [natsUrl, countText, offsetText] = process.argv.slice(2);
  const count = Number(countText);
  const offset = Number(offsetText ?? 0);
  const feeds: RevocationFeed[] = [];
  for (let i = 0; i < count; i++) {
    const instance = offset + i;
    const nc = await connect({ servers: natsUrl!.split(','), name: `bench-feed-${instance}` });
    const set = new RevocationSet();
    const feed = new RevocationFeed({
      nc,
      set,
      onApplied: (envelope) => {
        if (envelope.subject !== Subjects.SessionRevoked) return;
        const at = performance.timeOrigin + performance.now();
        if (envelope.data.sid) process.send!({ sid: envelope.data.sid, instance, at });
      },
    });
    feed.start();
    feeds.push(feed);
  }
  await Promise.all(feeds.map((f) => f.whenCaughtUp()));
  process.send!({ ready: true });
  process.on('disconnect', () => process.exit(0));
}

void main();
