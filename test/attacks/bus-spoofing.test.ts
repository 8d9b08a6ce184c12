import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { connect, type NatsConnection, Events } from 'nats';
import {
  ensureRevocationMirror,
  RevocationFeed,
  RevocationSet,
  Subjects,
  type SessionRevokedEvent,
  type UserBannedEvent,
  type UserUnbannedEvent,
} from '@authbus/common';
import { createEnvelope, ensureAuthStream, publishEnvelope } from '@authbus/common/issuer';
import { startNatsServer, waitFor, type NatsServerHandle, describeNatsStatus } from '@authbus/common/testing';
import { recordReliability } from '@authbus/test-support';

const CONFIG = resolve(__dirname, '..', '..', 'infra', 'nats', 'nats.conf');
const until = () => Math.floor(Date.now() / 1000) + 600;
const revoke = (sid: string) =>
  createEnvelope<SessionRevokedEvent>(Subjects.SessionRevoked, {
    sid,
    sub: 'u1',
    reason: 'signout',
    revokedAt: new Date().toISOString(),
    until: until(),
  });

/**
 * Only the auth service can put an event on `auth.>`: nats-server refuses a publish from any
 * other user (infra/nats/nats.conf). So an event with a valid shape from an unauthorised publisher
 * never reaches a revocation set, live or from the stream. Revocation events only ever take
 * access away, so a spoofed one could at worst sign someone out; still, none gets through.
 */
describe('attacks: spoofing events on the bus', () => {
  let server: NatsServerHandle;
  const passwords = { auth: randomBytes(18).toString('hex'), tickets: randomBytes(18).toString('hex') };
  const connections: NatsConnection[] = [];

  const as = async (user: 'auth' | 'tickets'): Promise<NatsConnection> => {
    const nc = await connect({ servers: server.url, user, pass: passwords[user], inboxPrefix: `_INBOX_${user}` });
    connections.push(nc);
    return nc;
  };

  beforeAll(async () => {
    server = await startNatsServer({
      configFile: CONFIG,
      // nats-server reads $VARIABLES as config syntax: quoted, so any password is a string.
      env: {
        NATS_AUTH_PASSWORD: `"${passwords.auth}"`,
        NATS_TICKETS_PASSWORD: `"${passwords.tickets}"`,
        NATS_SERVER_NAME: '"spoof-test"',
      },
    });
  });

  afterAll(async () => {
    await Promise.all(connections.map((c) => c.close()));
    await server.stop();
  });

  it('a non-auth service cannot publish a revocation, a ban or an unban, and nothing it tries reaches a set', async () => {
    const auth = await as('auth');
    await ensureAuthStream(await auth.jetstreamManager(), { maxAgeMs: 3600_000 });
    const reader = await as('tickets');
    // tickets reads a mirror of AUTH in its own NATS account, as its Deployment configures it
    // (infra/k8s/tickets.yaml: REVOCATION_MIRROR_API, REVOCATION_MIRROR_DELIVER).
    await ensureRevocationMirror(reader, { apiPrefix: '$JS.auth.API', deliverPrefix: 'deliver.auth.TICKETS' });
    const set = new RevocationSet();
    const feed = new RevocationFeed({ nc: reader, set, syncIntervalMs: 100 });
    feed.start();
    await feed.whenCaughtUp();

    const attacker = await as('tickets');
    const violations: string[] = [];
    void (async () => {
      for await (const s of attacker.status()) if (s.type === Events.Error) violations.push(describeNatsStatus(s.data));
    })();
    const spoofed = revoke('spoofed-session');
    const ban = createEnvelope<UserBannedEvent>(Subjects.UserBanned, {
      sub: 'victim',
      reason: 'spoof',
      belowGeneration: 1,
      until: until(),
      revokedBefore: Math.floor(Date.now() / 1000),
    });
    const unban = createEnvelope<UserUnbannedEvent>(Subjects.UserUnbanned, { sub: 'banned-user' });
    for (const e of [spoofed, ban, unban]) attacker.publish(e.subject, JSON.stringify(e));
    const jsAttempts = await Promise.allSettled(
      [spoofed, ban, unban].map((e) => publishEnvelope(attacker.jetstream(), { ...e, id: crypto.randomUUID() }, 1000)),
    );
    await waitFor(() => violations.length >= 3, { description: 'the server to report the permission violations' });
    expect(violations.join('\n')).toMatch(/PERMISSIONS_VIOLATION|Permissions Violation/i);
    expect(jsAttempts.every((r) => r.status === 'rejected')).toBe(true);

    // A real revocation from auth, published after the spoofs, arrives; the spoofs never did.
    await publishEnvelope(auth.jetstream(), revoke('real-session'));
    await waitFor(() => set.isRevoked({ sid: 'real-session', sub: 'x', gen: 0 }));
    expect(set.isRevoked({ sid: 'spoofed-session', sub: 'x', gen: 0 })).toBe(false);
    expect(set.isRevoked({ sid: 'any', sub: 'victim', gen: 0 })).toBe(false);
    const { state } = await (await auth.jetstreamManager()).streams.info('AUTH');
    expect(state.messages).toBe(1);
    await feed.close();

    recordReliability({
      kind: 'attack',
      scenario: 'Bus spoofing',
      done: 'with infra/nats/nats.conf, the tickets user publishes a well-formed auth.session.revoked, auth.user.banned and auth.user.unbanned (core and JetStream)',
      checked:
        'nats-server reports a permission violation for each; the JetStream publishes fail; a feed sees the later real revocation from auth but none of the spoofed events; the stream holds only the real one',
      figures: `spoofed events stored: 0; spoofed events applied: 0; permission violations reported: ${violations.length}`,
    });
  });

  it('refuses clients without credentials, or with another user’s', async () => {
    await expect(connect({ servers: server.url, reconnect: false })).rejects.toThrow(/Authorization Violation/i);
    await expect(
      connect({ servers: server.url, user: 'tickets', pass: passwords.auth, reconnect: false }),
    ).rejects.toThrow(/Authorization Violation/i);
  });
});
