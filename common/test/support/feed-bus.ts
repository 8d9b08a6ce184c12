import { Events, type NatsConnection } from 'nats';
import { Subjects, type RevocationFeed, type SessionRevokedEvent } from '@authbus/common';
import { createEnvelope, publishEnvelope } from '@authbus/common/issuer';
import { startAuthBus, type AuthBus } from '@authbus/common/testing';

/** Sign out sessions `<prefix>-0` … `<prefix>-<count - 1>` of user `u` on the stream, one by one, until `until` (seconds). */
export async function publishSignOuts(nc: NatsConnection, prefix: string, count: number, until: number): Promise<void> {
  const js = nc.jetstream();
  for (let i = 0; i < count; i++)
    await publishEnvelope(
      js,
      createEnvelope<SessionRevokedEvent>(Subjects.SessionRevoked, {
        sid: `${prefix}-${i}`,
        sub: 'u',
        reason: 'signout',
        revokedAt: new Date().toISOString(),
        until,
      }),
    );
}

/** Resolves at the connection's next reconnect. */
export function nextReconnect(nc: NatsConnection): Promise<void> {
  return (async () => {
    for await (const s of nc.status()) if (s.type === Events.Reconnect) return;
  })();
}

/**
 * In a `describe`: a fresh auth bus (stream kept an hour) for each test, and the feeds and
 * connections a test opens, closed after it.
 */
export function feedBusPerTest(): { bus: () => AuthBus; feeds: RevocationFeed[]; connections: NatsConnection[] } {
  let current: AuthBus | undefined;
  const feeds: RevocationFeed[] = [];
  const connections: NatsConnection[] = [];
  beforeEach(async () => {
    current = await startAuthBus({ maxAgeMs: 3600_000 });
  });
  afterEach(async () => {
    await Promise.all(feeds.splice(0).map((f) => f.close()));
    await Promise.all(connections.splice(0).map((c) => c.close()));
    await current?.stop();
  });
  return {
    bus: () => {
      if (!current) throw new Error('the auth bus is started before each test');
      return current;
    },
    feeds,
    connections,
  };
}
