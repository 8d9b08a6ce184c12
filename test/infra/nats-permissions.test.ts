import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connectNats, createAuthKit, createKeyRing, jwksOf, type KeySetUpdatedEvent, ensureRevocationMirror, Listener, silentLogger, Subjects, type AuthKit, type AuthKitOptions, type EventEnvelope, type NatsOptions, type SessionRevokedEvent, type UserBannedEvent, type UserCreatedEvent } from '@authbus/common';
import { createEnvelope, ensureAuthStream, publishEnvelope, RevocationSnapshotWriter, type SnapshotWritten } from '@authbus/common/issuer';
import { testKeyRing, waitFor, describeNatsStatus } from '@authbus/common/testing';
import { AckPolicy, connect, DeliverPolicy, StringCodec, type NatsConnection, type StreamInfo, Events } from 'nats';
import { createSecretStore, type SecretStore } from './support/fake-kubectl';
import { startInfraNats, type InfraNats } from './support/infra-nats';
import { renderKustomization } from './support/kustomization';
import { INFRA, NATS_CONF } from './support/paths';
import { containerEnv } from './support/pod-env';
import { BUS_SERVICES, kitOptionsOf, natsOptionsOf, type BusService } from './support/service-nats';
import { mainContainer, workload, workloads, type Workload } from './support/workloads';

/**
 * The permissions in infra/nats/nats.conf, on a real nats-server started with that file and the
 * environment the NATS StatefulSet gives it; each service connects as it does when it runs: with
 * the options its own configuration derives from its Deployment's environment (user and password
 * from Secrets made by infra/scripts/create-secrets.sh, and its reply-subject prefix).
 */
describe('NATS permissions: only auth publishes on auth.>, readers consume, each reads its own replies only', () => {
  const sc = StringCodec();
  let secrets: SecretStore;
  let nats: InfraNats;
  let all: Workload[];
  const open: NatsConnection[] = [];
  const kits: AuthKit[] = [];
  const listeners: Array<{ close(): Promise<void> }> = [];
  let n = 0;

  beforeAll(async () => {
    secrets = createSecretStore();
    const created = await secrets.runScript();
    if (created.code !== 0) throw new Error(`create-secrets.sh failed:\n${created.output}`);
    all = workloads(renderKustomization(INFRA).map((o) => o.object));
    const server = workload(all, 'nats');
    nats = await startInfraNats(containerEnv(mainContainer(server), server.pod, { secretsDir: secrets.dir, fields: { 'metadata.name': 'nats-0' } }));
    // The auth service creates the stream at start-up: as the auth user, or the suite stops here.
    const { nc } = await connectAs('auth');
    await ensureAuthStream(await nc.jetstreamManager(), { maxAgeMs: 20 * 60_000 });
  });

  afterAll(async () => {
    // Listeners and kits first: a listener whose connection closes under it retries forever.
    for (const listener of listeners) await listener.close();
    for (const kit of kits) await kit.close();
    for (const nc of open) await nc.close();
    await nats?.stop();
    secrets?.remove();
  });

  /** The NATS options a service derives from its Deployment's environment (NATS_URL aside: this test's server). */
  function optionsOf(service: BusService): NatsOptions {
    const w = workload(all, service);
    return { ...natsOptionsOf(service, containerEnv(mainContainer(w), w.pod, { secretsDir: secrets.dir })), servers: nats.url };
  }

  /**
   * tickets' mirror of AUTH in its own account, made as its kit makes it at start-up (once the
   * stream has its final settings: a mirror copies the origin's retention when it is created).
   */
  let mirrorMade: Promise<StreamInfo> | undefined;
  function ticketsMirror(): Promise<StreamInfo> {
    const mirror = kitOf('tickets').revocation?.mirror;
    if (!mirror) throw new Error('the tickets Deployment configures no revocation mirror');
    mirrorMade ??= connectAs('tickets').then(({ nc }) => ensureRevocationMirror(nc, mirror));
    return mirrorMade;
  }

  /** The kit options a service derives from its Deployment's environment. */
  function kitOf(service: BusService): AuthKitOptions {
    const w = workload(all, service);
    return kitOptionsOf(service, containerEnv(mainContainer(w), w.pod, { secretsDir: secrets.dir }));
  }

  /** Connect as the service does (its options, through connectNats). Errors the server reports are kept. */
  async function connectAs(service: BusService): Promise<{ nc: NatsConnection; errors: string[] }> {
    const nc = await connectNats(optionsOf(service), silentLogger);
    open.push(nc);
    return { nc, errors: serverErrors(nc) };
  }

  function serverErrors(nc: NatsConnection): string[] {
    const errors: string[] = [];
    void (async () => {
      for await (const s of nc.status()) {
        const ctx = s.permissionContext;
        if (s.type === Events.Error) errors.push(`${describeNatsStatus(s.data)}${ctx ? ` ${ctx.operation} ${ctx.subject}` : ''}`);
      }
    })();
    return errors;
  }

  /** Subscribe, and say how the server ended the subscription: the error code of its refusal. */
  async function refusalOf(nc: NatsConnection, subject: string): Promise<string> {
    const sub = nc.subscribe(subject);
    const ended = (async () => {
      try {
        for await (const _ of sub) return 'received a message';
        return 'closed without an error';
      } catch (err) {
        return String((err as { code?: unknown }).code ?? err);
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    const notRefused = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve('not refused within 5 s'), 5000);
    });
    try {
      return await Promise.race([ended, notRefused]);
    } finally {
      clearTimeout(timer);
      if (!sub.isClosed()) sub.unsubscribe();
    }
  }

  function revoked(): EventEnvelope<SessionRevokedEvent> {
    const now = Math.floor(Date.now() / 1000);
    return createEnvelope<SessionRevokedEvent>(Subjects.SessionRevoked, {
      sid: `sid-${++n}`,
      sub: 'user-1',
      reason: 'signout',
      revokedAt: new Date().toISOString(),
      until: now + 900,
    });
  }

  async function storedMessages(): Promise<number> {
    const { nc } = await connectAs('auth');
    return (await (await nc.jetstreamManager()).streams.info('AUTH')).state.messages;
  }

  it('refuses a connection without credentials or with a wrong password', async () => {
    await expect(connect({ servers: nats.url, reconnect: false })).rejects.toThrow(/Authorization Violation/i);
    await expect(connect({ servers: nats.url, user: 'tickets', pass: 'not-the-password', reconnect: false })).rejects.toThrow(
      /Authorization Violation/i,
    );
  });

  it('answers the health endpoints the StatefulSet probes', async () => {
    const c = mainContainer(workload(all, 'nats'));
    // Each probe runs `wget … http://127.0.0.1:8222/<path>` in the container: the monitoring
    // address nats.conf binds (this server's monitor listens on a free port instead).
    const urls = [c.startupProbe, c.livenessProbe, c.readinessProbe].map((p) => new URL(p?.exec?.command?.at(-1) ?? 'missing:'));
    for (const url of urls) {
      expect({ host: url.host, wget: urls.length }).toEqual({ host: '127.0.0.1:8222', wget: 3 });
      expect(readFileSync(NATS_CONF, 'utf8')).toMatch(/^http: "127\.0\.0\.1:8222"$/m);
      expect((await fetch(`${nats.monitorUrl}${url.pathname}${url.search}`)).status).toBe(200);
    }
  });

  it('lets auth create (see beforeAll) and update the AUTH stream, and publish events with JetStream acks', async () => {
    const { nc, errors } = await connectAs('auth');
    const updated = await ensureAuthStream(await nc.jetstreamManager(), { maxAgeMs: 30 * 60_000 });
    expect(updated.config.max_age).toBe(30 * 60_000 * 1_000_000);
    expect(updated.config.subjects).toEqual(['auth.session.>', 'auth.user.>', 'auth.keys.>', 'auth.service.>']);
    const first = await publishEnvelope(nc.jetstream(), revoked());
    const second = await publishEnvelope(nc.jetstream(), createEnvelope<UserCreatedEvent>(Subjects.UserCreated, { sub: 'user-1', email: 'a@example.com', roles: [] }));
    expect(second.seq).toBe(first.seq + 1);
    expect(errors).toEqual([]);
  });

  it("lets tickets make its mirror of AUTH in its own account, as its Deployment configures it, and the mirror follows auth's stream", async () => {
    const { nc, errors } = await connectAs('tickets');
    const mirror = await ticketsMirror();
    const origin = await (await (await connectAs('auth')).nc.jetstreamManager()).streams.info('AUTH');
    expect(mirror.config).toMatchObject({ name: 'AUTH', mirror: { name: 'AUTH', external: { api: '$JS.auth.API', deliver: 'deliver.auth.TICKETS' } }, max_age: origin.config.max_age });
    const jsm = await nc.jetstreamManager({ checkAPI: false });
    await waitFor(async () => (await jsm.streams.info('AUTH')).state.last_seq === origin.state.last_seq, { description: 'the mirror to copy the stream' });
    await publishEnvelope((await connectAs('auth')).nc.jetstream(), revoked());
    await waitFor(async () => (await jsm.streams.info('AUTH')).state.last_seq === origin.state.last_seq + 1, { description: 'the mirror to follow a new event' });
    expect(errors).toEqual([]);
  });

  it("lets tickets replace its own mirror (delete it, make it again), which leaves auth's stream alone", async () => {
    await ticketsMirror();
    const before = await storedMessages();
    const { nc, errors } = await connectAs('tickets');
    const jsm = await nc.jetstreamManager({ checkAPI: false, timeout: 2000 });
    expect(await jsm.streams.delete('AUTH')).toBe(true);
    mirrorMade = undefined;
    const mirror = await ticketsMirror();
    await waitFor(async () => (await jsm.streams.info('AUTH')).state.messages === before, { description: 'the new mirror to copy the stream' });
    expect(mirror.config.mirror?.name).toBe('AUTH');
    expect(await storedMessages()).toBe(before);
    expect(errors).toEqual([]);
  });

  it('refuses tickets a revocation or a ban published on auth.>, core or JetStream', async () => {
    const before = await storedMessages();
    const { nc, errors } = await connectAs('tickets');
    nc.publish(Subjects.SessionRevoked, sc.encode(JSON.stringify(revoked())));
    await waitFor(() => errors.includes('PERMISSIONS_VIOLATION publish auth.session.revoked'), {
      description: 'the server to report the permission violation',
    });
    const ban = createEnvelope<UserBannedEvent>(Subjects.UserBanned, { sub: 'victim', reason: 'fake', belowGeneration: 1, until: 0, revokedBefore: 0 });
    await expect(publishEnvelope(nc.jetstream(), ban, 2000)).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
    expect(await storedMessages()).toBe(before);
  });

  it("delivers auth's key sets to tickets' kit through its mirror, and refuses a key set published by tickets, core or JetStream", async () => {
    await ticketsMirror();
    const { nc: authNc, errors: authErrors } = await connectAs('auth');
    const { nc, errors } = await connectAs('tickets');
    const kit = createAuthKit({ keyRing: testKeyRing(), nats: nc, revocation: { ...kitOf('tickets').revocation, syncIntervalMs: 200 } });
    kits.push(kit);
    await kit.whenReady();
    const keyOf = (kid: string) => jwksOf(createKeyRing({ keys: [{ kid, privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }] }).keys).keys;
    const keySet = (kid: string, issuedAt: number) => createEnvelope<KeySetUpdatedEvent>(Subjects.KeySetUpdated, { issuedAt, keys: keyOf(kid), withdrawn: ['test'] });

    await publishEnvelope(authNc.jetstream(), keySet('from-auth', Date.now()));
    await waitFor(() => kit.keyRing.key('from-auth') !== undefined && kit.keyRing.key('test') === undefined, { description: "auth's key set to reach tickets' key ring" });

    const before = await storedMessages();
    nc.publish(Subjects.KeySetUpdated, sc.encode(JSON.stringify(keySet('forged-core', Date.now() + 60_000))));
    await waitFor(() => errors.includes('PERMISSIONS_VIOLATION publish auth.keys.updated'), { description: 'the server to report the forged key set' });
    await expect(publishEnvelope(nc.jetstream(), keySet('forged-js', Date.now() + 60_000), 2000)).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
    expect(await storedMessages()).toBe(before);
    expect(kit.keyRing.kids).toEqual(['from-auth']);
    expect(authErrors).toEqual([]);
    // Its feed's consumer goes with it (a later test counts the consumers on the mirror).
    kits.splice(kits.indexOf(kit), 1);
    await kit.close();
  });

  it('refuses tickets every way of changing the stream: update, purge, delete a message, a new stream; a push into auth.> stays in its account', async () => {
    await ticketsMirror();
    const before = await storedMessages();
    const { nc } = await connectAs('tickets');
    const jsm = await nc.jetstreamManager({ checkAPI: false, timeout: 2000 });
    const denied = { code: 'PERMISSIONS_VIOLATION' };
    // "AUTH" is tickets' mirror in its own account (auth's stream is out of its reach): it may not
    // change that either, so that no replica can shorten the history the others replay (it may
    // delete it, to replace it: see below).
    await expect(jsm.streams.update('AUTH', { max_age: 1_000_000_000 })).rejects.toMatchObject(denied);
    await expect(jsm.streams.purge('AUTH')).rejects.toMatchObject(denied);
    await expect(jsm.streams.deleteMessage('AUTH', 1)).rejects.toMatchObject(denied);
    await expect(jsm.streams.add({ name: 'FAKE', subjects: ['fake.>'] })).rejects.toMatchObject(denied);
    // Consumers are allowed (readers need them). A push consumer on its mirror delivering to
    // auth.user.banned publishes in tickets' own account (a mirror has no subjects, so the server
    // sees no cycle): tickets' own subscriber gets the stored events, auth's gets none.
    const { nc: authNc } = await connectAs('auth');
    const atAuth: string[] = [];
    authNc.subscribe(Subjects.UserBanned, { callback: (_err, m) => atAuth.push(m.subject) });
    await authNc.flush();
    let atTickets = 0;
    const own = nc.subscribe(Subjects.UserBanned, { callback: () => void atTickets++ });
    await nc.flush();
    const push = await jsm.consumers.add('AUTH', { deliver_subject: Subjects.UserBanned, ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All });
    await waitFor(() => atTickets >= before, { description: "the push consumer's deliveries in tickets' account" });
    own.unsubscribe();
    await jsm.consumers.delete('AUTH', push.name);
    await authNc.flush();
    expect(atAuth).toEqual([]);
    expect(await storedMessages()).toBe(before);
  });

  it.each(BUS_SERVICES)('%s gets JetStream replies on an inbox of its own, which its user may read', async (service) => {
    await ticketsMirror();
    const { inboxPrefix } = optionsOf(service);
    expect(inboxPrefix).toMatch(/^_INBOX_/);
    const { nc, errors } = await connectAs(service);
    const jsm = await nc.jetstreamManager({ checkAPI: false, timeout: 2000 });
    // The reply came back on <inboxPrefix>.<id>: the server let the connection subscribe there.
    expect((await jsm.streams.info('AUTH')).config.name).toBe('AUTH');
    expect(errors).toEqual([]);
  });

  it.each(BUS_SERVICES.flatMap((service) => BUS_SERVICES.filter((other) => other !== service).map((other) => [service, other] as const)))(
    "%s may not subscribe to %s's replies, nor to the shared _INBOX.> or to everything",
    async (service, other) => {
      await ticketsMirror();
      const { nc, errors } = await connectAs(service);
      const theirs = optionsOf(other).inboxPrefix!;
      for (const subject of [`${theirs}.>`, `${theirs}.some-reply`, '_INBOX.>', '>']) {
        expect({ subject, outcome: await refusalOf(nc, subject) }).toEqual({ subject, outcome: 'PERMISSIONS_VIOLATION' });
        await waitFor(() => errors.includes(`PERMISSIONS_VIOLATION subscription ${subject}`), { description: `the server to report the refused subscription to ${subject}` });
      }
      // The refusals are about those subjects only: the connection still works.
      const jsm = await nc.jetstreamManager({ checkAPI: false, timeout: 2000 });
      expect((await jsm.streams.info('AUTH')).config.name).toBe('AUTH');
    },
  );

  it('gives a tickets connection left on the shared _INBOX prefix no reply to its requests: a service must use its own', async () => {
    const { user, pass } = optionsOf('tickets');
    const nc = await connect({ servers: nats.url, user: user!, pass: pass!, reconnect: false });
    open.push(nc);
    const jsm = await nc.jetstreamManager({ checkAPI: false, timeout: 2000 });
    await expect(jsm.streams.info('AUTH')).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
  });

  it('lets tickets replay and follow the revocation feed and run its durable listener, with no permission error', async () => {
    const { nc: authNc } = await connectAs('auth');
    const old = revoked();
    await publishEnvelope(authNc.jetstream(), old);

    const { nc, errors } = await connectAs('tickets');
    // With the revocation settings of its Deployment: the feed reads tickets' mirror of AUTH.
    const kit = createAuthKit({ keyRing: testKeyRing(), nats: nc, revocation: { ...kitOf('tickets').revocation, syncIntervalMs: 200 } });
    kits.push(kit);
    await kit.whenReady();
    const claims = (sid: string) => ({ sub: 'user-1', sid, gen: 0 });
    expect(kit.revocations.isRevoked(claims(old.data.sid))).toBe(true); // replayed

    const live = revoked();
    await publishEnvelope(authNc.jetstream(), live);
    await waitFor(() => kit.revocations.isRevoked(claims(live.data.sid)), { description: 'the live revocation to reach tickets' });

    const seen: string[] = [];
    class UserCreatedListener extends Listener<UserCreatedEvent> {
      readonly subject = Subjects.UserCreated;
      readonly durableName = 'tickets-user-created';
      onMessage(data: UserCreatedEvent['data']): void {
        seen.push(data.sub);
      }
    }
    const listener = new UserCreatedListener(nc);
    listeners.push(listener);
    await listener.listen();
    await publishEnvelope(authNc.jetstream(), createEnvelope<UserCreatedEvent>(Subjects.UserCreated, { sub: 'user-2', email: 'b@example.com', roles: [] }));
    await waitFor(() => seen.includes('user-2'), { description: 'the listener to receive user-2' });
    // The consumers live on tickets' mirror, in its account: seen with its own connection.
    const ticketsJsm = await nc.jetstreamManager({ checkAPI: false });
    await waitFor(async () => (await ticketsJsm.consumers.info('AUTH', 'tickets-user-created')).num_ack_pending === 0, {
      description: "the listener's acks to reach the server",
    });

    // Closing the feed deletes its ephemeral consumer (a permission too): only the durable one stays.
    await listener.close();
    await kit.close();
    await waitFor(async () => (await ticketsJsm.streams.info('AUTH')).state.consumer_count === 1, {
      timeoutMs: 5000,
      description: "the feed's ephemeral consumers to be deleted",
    });
    expect((await ticketsJsm.consumers.info('AUTH', 'tickets-user-created')).name).toBe('tickets-user-created');
    // None of it is on auth's stream.
    await expect((await authNc.jetstreamManager()).consumers.info('AUTH', 'tickets-user-created')).rejects.toThrow(/consumer not found/);
    expect(errors).toEqual([]);
  });

  it("lets auth replay and follow AUTH in its own account with its own feed, with no permission error", async () => {
    const { nc, errors } = await connectAs('auth');
    const old = revoked();
    await publishEnvelope(nc.jetstream(), old);
    const kit = createAuthKit({ keyRing: testKeyRing(), nats: nc, revocation: { ...kitOf('auth').revocation, syncIntervalMs: 200 } });
    kits.push(kit);
    await kit.whenReady();
    const claims = (sid: string) => ({ sub: 'user-1', sid, gen: 0 });
    expect(kit.revocations.isRevoked(claims(old.data.sid))).toBe(true);
    const live = revoked();
    await publishEnvelope(nc.jetstream(), live);
    await waitFor(() => kit.revocations.isRevoked(claims(live.data.sid)), { description: "the live revocation to reach auth's feed" });
    expect(kit.readiness()).toMatchObject({ ready: true, caughtUp: true, stale: false });
    expect(errors).toEqual([]);
  });

  /** As the auth service does: its own kit's set, written by the snapshot writer as the auth user. */
  async function authWritesSnapshot(extraSid: string): Promise<SnapshotWritten> {
    const { nc, errors } = await connectAs('auth');
    const kit = createAuthKit({ keyRing: testKeyRing(), nats: nc, revocation: { ...kitOf('auth').revocation, syncIntervalMs: 200, snapshot: false } });
    kits.push(kit);
    await kit.whenReady();
    kit.revocations.revokeSession(extraSid, Math.floor(Date.now() / 1000) + 900);
    const writer = new RevocationSnapshotWriter({ nc, set: kit.revocations, position: () => kit.revocationPosition(), logger: silentLogger });
    const written = await writer.writeNow();
    await writer.close();
    expect(errors).toEqual([]);
    if (!written) throw new Error('auth could not write the revocation snapshot');
    return written;
  }

  it("lets auth write the revocation snapshot, and tickets' kit load it through its account's import, with no permission error", async () => {
    await ticketsMirror();
    await publishEnvelope((await connectAs('auth')).nc.jetstream(), revoked());
    const written = await authWritesSnapshot('only-in-the-snapshot');
    const { nc, errors } = await connectAs('tickets');
    const kit = createAuthKit({ keyRing: testKeyRing(), nats: nc, revocation: { ...kitOf('tickets').revocation, syncIntervalMs: 200 } });
    kits.push(kit);
    await kit.whenReady();
    // No event carries this session: tickets has it from the snapshot, read from the auth account.
    expect(kit.revocations.isRevoked({ sub: 'x', sid: 'only-in-the-snapshot', gen: 0 })).toBe(true);
    expect(written.seq).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });

  it('refuses tickets every way of writing the revocation snapshot: the bucket API, a purge, a chunk, a new bucket', async () => {
    await authWritesSnapshot('snapshot-guard');
    const authJsm = await (await connectAs('auth')).nc.jetstreamManager();
    const before = (await authJsm.streams.info('OBJ_AUTH_SNAPSHOT')).state;
    const { nc, errors } = await connectAs('tickets');
    const authApi = { apiPrefix: '$JS.auth.API', timeout: 2000 };
    const viaAuthApi = nc.jetstream(authApi);
    await expect(viaAuthApi.views.os('AUTH_SNAPSHOT').then((os) => os.putBlob({ name: 'revocations' }, new Uint8Array(8)))).rejects.toThrow();
    await expect((await nc.jetstreamManager({ ...authApi, checkAPI: false })).streams.purge('OBJ_AUTH_SNAPSHOT')).rejects.toThrow();
    // In its own account: no such bucket to write, and none may be made.
    nc.publish('$O.AUTH_SNAPSHOT.C.forged', new Uint8Array(8));
    await expect((await nc.jetstreamManager({ checkAPI: false, timeout: 2000 })).streams.add({ name: 'OBJ_AUTH_SNAPSHOT', subjects: ['$O.AUTH_SNAPSHOT.>'] })).rejects.toThrow();
    await waitFor(() => errors.some((e) => e.includes('PERMISSIONS_VIOLATION publish $O.AUTH_SNAPSHOT.C.forged')), {
      description: 'the server to refuse the forged chunk',
    });
    expect((await authJsm.streams.info('OBJ_AUTH_SNAPSHOT')).state).toMatchObject({ messages: before.messages, last_seq: before.last_seq });
  });
});

describe('NATS passwords reach nats-server as strings, whatever they look like', () => {
  it.each([['2e5f0a1b'], ['123456'], ['true']])('a password of %s works for the user that has it', async (password) => {
    const secrets = createSecretStore();
    let server: InfraNats | undefined;
    try {
      // The Secret as someone might have made it by hand (and the routes' one, which the pod reads
      // too, though nats.conf alone has no routes).
      expect(
        await secrets.runCommands(
          [
            `kubectl create secret generic nats-credentials --from-literal=auth-password=${password} --from-literal=tickets-password=${password}x`,
            `kubectl create secret generic nats-route-credentials --from-literal=route-password=${password}r`,
          ].join('\n'),
        ),
      ).toMatchObject({ code: 0 });
      const nats = workload(workloads(renderKustomization(INFRA).map((o) => o.object)), 'nats');
      server = await startInfraNats(containerEnv(mainContainer(nats), nats.pod, { secretsDir: secrets.dir, fields: { 'metadata.name': 'nats-0' } }));
      const nc = await connect({ servers: server.url, user: 'auth', pass: password, reconnect: false });
      await nc.close();
    } finally {
      await server?.stop();
      secrets.remove();
    }
  });
});
