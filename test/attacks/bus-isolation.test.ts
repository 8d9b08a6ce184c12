import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  authKitOptionsFromEnv,
  createAuthKit,
  Listener,
  Subjects,
  type AuthKit,
  type Logger,
  type NatsOptions,
  type SessionRevokedEvent,
  type UserCreatedEvent,
} from '@authbus/common';
import { createEnvelope, ensureAuthStream, publishEnvelope } from '@authbus/common/issuer';
import { waitFor } from '@authbus/common/testing';
import {
  AckPolicy,
  createInbox,
  DeliverPolicy,
  JSONCodec,
  nanos,
  type JetStreamManager,
  type NatsConnection,
} from 'nats';
import { startInfraBus, type InfraBus } from '../infra/support/infra-bus';
import { NATS_CONF } from '../infra/support/paths';
import { withReaderAccount } from '../infra/support/reader-account';
import { recordReliability } from '@authbus/test-support';

const until = () => Math.floor(Date.now() / 1000) + 900;
let n = 0;
const revocation = () =>
  createEnvelope<SessionRevokedEvent>(Subjects.SessionRevoked, {
    sid: `iso-${++n}`,
    sub: 'user-1',
    reason: 'signout',
    revokedAt: new Date().toISOString(),
    until: until(),
  });
const userCreated = (sub: string) =>
  createEnvelope<UserCreatedEvent>(Subjects.UserCreated, { sub, email: `${sub}@example.com`, roles: [] });
const isRevoked = (kit: AuthKit, sid: string) => kit.revocations.isRevoked({ sid, sub: 'x', gen: 0 });

/** A logger that keeps what it was told, to learn the name of a feed's consumer as an attacker would. */
function recordingLogger(lines: Array<Record<string, unknown>>): Logger {
  const log = (fields: object, message?: string) => void lines.push({ ...fields, message });
  const logger: Logger = { debug: log, info: log, warn: log, error: log, child: () => logger };
  return logger;
}

/** How an attempt ended: what came back (a consumer or stream by name), or the error. */
async function outcome(attempt: () => Promise<unknown>): Promise<string> {
  try {
    const result = (await attempt()) as { name?: unknown; stream_name?: unknown; config?: { name?: unknown } } | null;
    if (result && typeof result === 'object' && typeof result.name === 'string')
      return `succeeded: consumer ${result.name} on ${String(result.stream_name)}`;
    if (result && typeof result === 'object' && typeof result.config?.name === 'string')
      return `succeeded: stream ${result.config.name}`;
    return `succeeded: ${JSON.stringify(result)}`;
  } catch (err) {
    const e = err as { code?: unknown; message?: string };
    const code = typeof e.code === 'string' || typeof e.code === 'number' ? String(e.code) : '';
    const message = e.message ?? '';
    return `refused: ${code && message.includes(code) ? message : `${code} ${message}`.trim()}`;
  }
}

/**
 * A reader service's credentials (tickets, as its Deployment configures it, on a real nats-server
 * started with infra/nats/nats.conf) against what belongs to another service: the auth service's
 * consumers on its `AUTH` stream, auth's reply subjects, and another reader's consumers. Each test
 * is one attack from issue 12; each records what it showed in docs/reliability.md.
 */
describe('attacks: a reader service against the other services on the bus', () => {
  let bus: InfraBus;
  let auth: NatsConnection;
  let authJsm: JetStreamManager;
  let attacker: NatsConnection;
  let attackerErrors: string[];
  let authKit: AuthKit;
  let ticketsKit: AuthKit;
  const authLog: Array<Record<string, unknown>> = [];
  const kits: AuthKit[] = [];

  /** A durable pull consumer of the auth service on its stream (explicit acks, redelivery after 1 s). */
  async function authDurable(name: string): Promise<void> {
    await authJsm.consumers.add('AUTH', {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(1000),
    });
  }

  async function publish(count: number): Promise<string[]> {
    const sids: string[] = [];
    for (let i = 0; i < count; i++) {
      const e = revocation();
      sids.push(e.data.sid);
      await publishEnvelope(auth.jetstream(), e);
    }
    return sids;
  }

  beforeAll(async () => {
    bus = await startInfraBus();
    const authOptions = bus.kitOptionsOf('auth');
    ({ nc: auth } = await bus.connect(authOptions.nats));
    authJsm = await auth.jetstreamManager();
    // As the auth service does at start-up, then its own revocation feed.
    await ensureAuthStream(authJsm, { maxAgeMs: 20 * 60_000 });
    await publish(3);
    authKit = createAuthKit({
      ...authOptions,
      nats: auth,
      logger: recordingLogger(authLog),
      revocation: { ...authOptions.revocation, syncIntervalMs: 200 },
    });
    kits.push(authKit);
    // A running tickets replica, configured by its Deployment.
    const ticketsOptions = bus.kitOptionsOf('tickets');
    const { nc: tickets } = await bus.connect(ticketsOptions.nats);
    ticketsKit = createAuthKit({
      ...ticketsOptions,
      nats: tickets,
      revocation: { ...ticketsOptions.revocation, syncIntervalMs: 200 },
    });
    kits.push(ticketsKit);
    await Promise.all([authKit.whenReady(), ticketsKit.whenReady()]);
    // The attacker: the tickets service's credentials and connection settings.
    ({ nc: attacker, errors: attackerErrors } = await bus.connect(ticketsOptions.nats));
  });

  afterAll(async () => {
    for (const kit of kits) await kit.close();
    await bus?.close();
  });

  it("cannot pull from the auth service's durable consumer: auth keeps every event", async () => {
    await authDurable('auth-audit-pull');
    const pending = (await authJsm.consumers.info('AUTH', 'auth-audit-pull')).num_pending;
    expect(pending).toBeGreaterThan(0);

    const stolen: string[] = [];
    const viaApi = await outcome(async () => {
      const consumer = await attacker.jetstream().consumers.get('AUTH', 'auth-audit-pull');
      const m = await consumer.next({ expires: 1000 });
      if (m) stolen.push(m.subject);
      return m?.subject ?? null;
    });
    const viaRequest = await outcome(async () => {
      const m = await attacker.request(
        '$JS.API.CONSUMER.MSG.NEXT.AUTH.auth-audit-pull',
        JSONCodec().encode({ batch: 1, no_wait: true }),
        { timeout: 2000 },
      );
      if (m.headers?.code === undefined) stolen.push(m.subject);
      return m.headers?.code ?? m.subject;
    });

    expect(stolen).toEqual([]);
    const after = await authJsm.consumers.info('AUTH', 'auth-audit-pull');
    expect({
      pending: after.num_pending,
      ackPending: after.num_ack_pending,
      delivered: after.delivered.stream_seq,
    }).toEqual({ pending, ackPending: 0, delivered: 0 });
    recordReliability({
      kind: 'attack',
      scenario: "Reader pulls another service's consumer",
      done: "with the tickets service's NATS credentials and settings, fetch from a durable pull consumer of the auth service on AUTH (the JetStream consumer API and a raw MSG.NEXT request)",
      checked: "no message reaches the reader; auth's consumer still has every event pending and nothing delivered",
      figures: `messages stolen: ${stolen.length}; consumer API: ${viaApi}; raw request: ${viaRequest}; still pending for auth: ${after.num_pending} of ${pending}`,
    });
  });

  it("cannot ack the auth service's messages: an unacked event is redelivered to auth", async () => {
    await authDurable('auth-audit-ack');
    const consumer = await auth.jetstream().consumers.get('AUTH', 'auth-audit-ack');
    const first = await consumer.next({ expires: 5000 });
    expect(first).not.toBeNull();
    // The ack subject of a delivery is predictable ($JS.ACK.<stream>.<consumer>.<count>.<seqs>…):
    // the attacker acks auth's message in its place, so that auth would never see it again.
    const i = first!.info;
    const ackSubject = `$JS.ACK.${i.stream}.${i.consumer}.${i.redeliveryCount}.${i.streamSequence}.${i.deliverySequence}.${i.timestampNanos}.${i.pending}`;
    attacker.publish(ackSubject, new TextEncoder().encode('+ACK'));
    await attacker.flush();

    // Auth never acks: the server redelivers after ack_wait (1 s) unless someone else acked it.
    const again = await waitFor(
      async () => {
        const m = await consumer.next({ expires: 1000 });
        return m && m.seq === first!.seq ? m : undefined;
      },
      { timeoutMs: 8000, description: 'the unacked event to be redelivered to auth' },
    );
    expect(again.info.redeliveryCount).toBeGreaterThan(1);
    recordReliability({
      kind: 'attack',
      scenario: "Reader acks another service's messages",
      done: "auth fetches an event from its durable consumer and leaves it unacked; the tickets user publishes +ACK on that delivery's ack subject",
      checked: 'the forged ack reaches nothing of auth: the server redelivers the event to auth after its ack wait',
      figures: `stream sequence ${first!.seq} redelivered to auth (delivery ${again.info.redeliveryCount}); forged acks applied: 0; server errors for the attacker: ${attackerErrors.length}`,
    });
  });

  it("cannot delete a consumer on auth's AUTH stream: auth's durable and a feed's consumer stay", async () => {
    await authDurable('auth-audit-delete');
    // A feed reads AUTH through a consumer like this one while it replays or fills a gap (in steady
    // state it has none: the stream's republish brings every event); its name is in auth's log.
    expect([...authLog].some((l) => l.message === 'revocation feed consuming')).toBe(true);
    const feedConsumer = (
      await authJsm.consumers.add('AUTH', {
        ack_policy: AckPolicy.None,
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: 1,
        mem_storage: true,
        num_replicas: 1,
        inactive_threshold: nanos(60_000),
      })
    ).name;
    const attackerJsm = await attacker.jetstreamManager({ checkAPI: false, timeout: 2000 });
    const attempts = {
      durable: await outcome(() => attackerJsm.consumers.delete('AUTH', 'auth-audit-delete')),
      feed: await outcome(() => attackerJsm.consumers.delete('AUTH', String(feedConsumer))),
    };

    expect(attempts.durable).toMatch(/^refused/);
    expect(attempts.feed).toMatch(/^refused/);
    expect((await authJsm.consumers.info('AUTH', 'auth-audit-delete')).name).toBe('auth-audit-delete');
    expect((await authJsm.consumers.info('AUTH', String(feedConsumer))).name).toBe(feedConsumer);
    // And auth's feed still applies what auth publishes.
    const [sid] = await publish(1);
    await waitFor(() => isRevoked(authKit, sid!), { description: "auth's feed to apply a new revocation" });
    recordReliability({
      kind: 'attack',
      scenario: 'Reader deletes a consumer on AUTH',
      done: "the tickets user deletes, by name, a durable consumer of auth and an ephemeral consumer of auth's like the one its revocation feed replays with",
      checked:
        "both deletes are refused; both consumers still exist on auth's stream; auth's feed applies a later revocation",
      figures: `durable: ${attempts.durable}; feed consumer: ${attempts.feed}`,
    });
  });

  it("cannot create unlimited consumers: auth's stream gets none, and the reader's own account has a limit", async () => {
    const before = (await authJsm.streams.info('AUTH')).state.consumer_count;
    const attackerJsm = await attacker.jetstreamManager({ checkAPI: false, timeout: 2000 });
    const created: string[] = [];
    let refusal = '';
    const ATTEMPTS = 300;
    for (let i = 0; i < ATTEMPTS && refusal === ''; i++) {
      try {
        created.push((await attackerJsm.consumers.add('AUTH', { ack_policy: AckPolicy.None, mem_storage: true })).name);
      } catch (err) {
        refusal = String((err as Error).message);
      }
    }
    const after = (await authJsm.streams.info('AUTH')).state.consumer_count;
    for (const name of created) await attackerJsm.consumers.delete('AUTH', name).catch(() => undefined);

    expect(after).toBe(before);
    expect(refusal).toMatch(/maximum consumers limit reached/);
    expect(created.length).toBeLessThan(ATTEMPTS);
    recordReliability({
      kind: 'attack',
      scenario: 'Reader floods consumers',
      done: `the tickets user creates consumers on "AUTH" until refused (at most ${ATTEMPTS})`,
      checked:
        "auth's stream gains no consumer (the reader's consumers live on its own mirror); its account's JetStream limit refuses the rest",
      figures: `consumers created before the refusal: ${created.length}; consumers on auth's stream: ${before} before, ${after} after; refusal: ${refusal}`,
    });
  });

  it("cannot push auth's stream into auth's reply subjects", async () => {
    // An inbox of auth's connection (the attacker could read such names from the monitoring port).
    const inbox = createInbox('_INBOX_auth');
    const received: string[] = [];
    auth.subscribe(inbox, { callback: (_err, m) => received.push(m.subject) });
    await auth.flush();
    const attackerJsm = await attacker.jetstreamManager({ checkAPI: false, timeout: 2000 });
    const consumersOnAuth = (await authJsm.streams.info('AUTH')).state.consumer_count;
    const push = { deliver_subject: inbox, ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All };
    const attempts = {
      consumer: await outcome(() => attackerJsm.consumers.add('AUTH', push)),
      // Straight at the auth account's consumer API, as the mirror machinery reaches it.
      importedApi: await outcome(() =>
        attacker.request(
          '$JS.auth.API.CONSUMER.CREATE.AUTH',
          JSONCodec().encode({ stream_name: 'AUTH', config: push }),
          { timeout: 2000 },
        ),
      ),
      // A second mirror of auth's stream whose deliveries are addressed to auth's inbox prefix.
      mirror: await outcome(() =>
        attackerJsm.streams.add({
          name: 'EVIL',
          mirror: { name: 'AUTH', external: { api: '$JS.auth.API', deliver: '_INBOX_auth' } },
        }),
      ),
      // Or its own mirror made again that way (it exists: the server keeps the one it has).
      ownMirror: await outcome(() =>
        attackerJsm.streams.add({
          name: 'AUTH',
          mirror: { name: 'AUTH', external: { api: '$JS.auth.API', deliver: '_INBOX_auth' } },
        }),
      ),
    };

    // Something the server must deliver from now on: a new event, followed until tickets has it.
    const [sid] = await publish(1);
    await waitFor(() => isRevoked(ticketsKit, sid!), { description: 'tickets to apply the new revocation' });
    await auth.flush();
    expect(received).toEqual([]);
    expect(attempts.importedApi).toMatch(/^refused/);
    expect(attempts.mirror).toMatch(/^refused/);
    expect(attempts.ownMirror).toMatch(/^refused/);
    expect((await authJsm.streams.info('AUTH')).state.consumer_count).toBe(consumersOnAuth);
    recordReliability({
      kind: 'attack',
      scenario: "Reader pushes into auth's inbox",
      done: 'the tickets user creates a push consumer on "AUTH" delivering to an inbox auth\'s connection listens on (_INBOX_auth.…), calls the auth account\'s consumer API directly, and creates a mirror (a new one, or its own again) whose deliveries go to _INBOX_auth',
      checked:
        "auth's inbox receives nothing while new events flow (a later revocation reaches tickets); auth's stream gains no consumer; the direct API call and both mirrors are refused",
      figures: `messages pushed into auth's inbox: ${received.length}; consumers on auth's stream: ${consumersOnAuth} before and after; push consumer: ${attempts.consumer} (the reader's own mirror); imported API: ${attempts.importedApi}; second mirror: ${attempts.mirror}; own mirror again: ${attempts.ownMirror}`,
    });
  });
});

/**
 * Two reading services, tickets and a second one added to nats.conf the way its comments say
 * (REPORTS, user reports): neither can read, ack, delete or feed the other's consumers.
 */
describe("attacks: a second reader service against tickets' mirror and consumers", () => {
  const reportsPassword = randomBytes(24).toString('hex');
  let bus: InfraBus;
  const kits: AuthKit[] = [];
  const listeners: Array<{ close(): Promise<void> }> = [];

  afterAll(async () => {
    for (const l of listeners) await l.close();
    for (const kit of kits) await kit.close();
    await bus?.close();
  });

  it("gets its own mirror and cannot touch tickets' consumers, deliveries or replies", async () => {
    const config = withReaderAccount(readFileSync(NATS_CONF, 'utf8'), { account: 'REPORTS', service: 'reports' });
    bus = await startInfraBus({ config, serverEnv: { NATS_REPORTS_PASSWORD: `"${reportsPassword}"` } });
    const authOptions = bus.kitOptionsOf('auth');
    const { nc: auth } = await bus.connect(authOptions.nats);
    await ensureAuthStream(await auth.jetstreamManager(), { maxAgeMs: 20 * 60_000 });
    await publishEnvelope(auth.jetstream(), userCreated('user-a'));
    await publishEnvelope(auth.jetstream(), revocation());

    // tickets, as deployed, with its directory listener (a durable consumer on its mirror).
    const ticketsOptions = bus.kitOptionsOf('tickets');
    const { nc: tickets } = await bus.connect(ticketsOptions.nats);
    const ticketsKit = createAuthKit({
      ...ticketsOptions,
      nats: tickets,
      revocation: { ...ticketsOptions.revocation, syncIntervalMs: 200 },
    });
    kits.push(ticketsKit);
    await ticketsKit.whenReady();
    const seen: string[] = [];
    class Directory extends Listener<UserCreatedEvent> {
      readonly subject = Subjects.UserCreated;
      readonly durableName = 'tickets-user-created';
      onMessage(data: UserCreatedEvent['data']): void {
        seen.push(data.sub);
      }
    }
    const directory = new Directory(tickets);
    listeners.push(directory);
    await directory.listen();
    await waitFor(() => seen.includes('user-a'), { description: 'the tickets listener to get user-a' });
    const ticketsJsm = await tickets.jetstreamManager({ checkAPI: false });

    // The second reader, configured like tickets but with its own user, inbox and deliveries.
    const reportsEnv = {
      ...bus.envOf('tickets'),
      NATS_USER: 'reports',
      NATS_PASS: reportsPassword,
      REVOCATION_MIRROR_DELIVER: 'deliver.auth.REPORTS',
    };
    const fromEnv = authKitOptionsFromEnv('reports', reportsEnv);
    const reportsOptions = { ...fromEnv, nats: { ...(fromEnv.nats as NatsOptions), servers: bus.nats.url } };
    const { nc: reports, errors: reportsErrors } = await bus.connect(reportsOptions.nats);
    const reportsKit = createAuthKit({
      ...reportsOptions,
      nats: reports,
      revocation: { ...reportsOptions.revocation, syncIntervalMs: 200 },
    });
    kits.push(reportsKit);
    await reportsKit.whenReady();
    const reportsJsm = await reports.jetstreamManager({ checkAPI: false, timeout: 2000 });

    // tickets listens on an inbox of its own; reports tries to push into it.
    const ticketsInbox = createInbox('_INBOX_tickets');
    const pushed: string[] = [];
    tickets.subscribe(ticketsInbox, { callback: (_e, m) => pushed.push(m.subject) });
    await tickets.flush();

    const attempts = {
      info: await outcome(() => reportsJsm.consumers.info('AUTH', 'tickets-user-created')),
      pull: await outcome(
        async () =>
          (await (await reports.jetstream().consumers.get('AUTH', 'tickets-user-created')).next({ expires: 1000 }))
            ?.subject ?? null,
      ),
      delete: await outcome(() => reportsJsm.consumers.delete('AUTH', 'tickets-user-created')),
      push: await outcome(() =>
        reportsJsm.consumers.add('AUTH', {
          deliver_subject: ticketsInbox,
          ack_policy: AckPolicy.None,
          deliver_policy: DeliverPolicy.All,
        }),
      ),
    };
    // Acks of tickets' deliveries ($JS.ACK.AUTH.tickets-user-created.…), guessed.
    reports.publish('$JS.ACK.AUTH.tickets-user-created.1.1.1.0.0', new TextEncoder().encode('+ACK'));
    const subscriptions: Record<string, string> = {};
    for (const subject of ['deliver.auth.TICKETS.>', '_INBOX_tickets.>']) {
      const sub = reports.subscribe(subject);
      await reports.flush();
      await waitFor(() => reportsErrors.some((e) => e.includes(subject)), {
        description: `the server to refuse ${subject}`,
      });
      subscriptions[subject] = reportsErrors.find((e) => e.includes(subject))!;
      sub.unsubscribe();
    }

    // New events flow to both; tickets' listener still gets its own.
    await publishEnvelope(auth.jetstream(), userCreated('user-b'));
    await waitFor(() => seen.includes('user-b'), { description: 'the tickets listener to get user-b' });
    await tickets.flush();
    expect(pushed).toEqual([]);
    expect(attempts.info).toMatch(/^refused/);
    expect(attempts.pull).toMatch(/^refused/);
    expect(attempts.delete).toMatch(/^refused/);
    expect(Object.values(subscriptions).every((e) => e.startsWith('PERMISSIONS_VIOLATION'))).toBe(true);
    const durable = await ticketsJsm.consumers.info('AUTH', 'tickets-user-created');
    await waitFor(async () => (await ticketsJsm.consumers.info('AUTH', 'tickets-user-created')).num_ack_pending === 0, {
      description: "tickets' acks",
    });
    expect(durable.name).toBe('tickets-user-created');
    expect(seen).toEqual(['user-a', 'user-b']);

    // And an account cannot be configured to receive another's mirror deliveries: nats-server refuses it.
    const stealing = config.replace('subject: "deliver.auth.REPORTS.>"', 'subject: "deliver.auth.TICKETS.>"');
    expect(stealing).not.toBe(config);
    await expect(
      startInfraBus({ config: stealing, serverEnv: { NATS_REPORTS_PASSWORD: `"${reportsPassword}"` } }),
    ).rejects.toThrow(/not authorized/);

    recordReliability({
      kind: 'attack',
      scenario: 'Second reader against tickets',
      done: "a second reading service (account REPORTS, added from the template in nats.conf) reads its own mirror, then tries tickets' durable consumer (info, pull, delete, forged ack), a push into tickets' inbox, and subscribing to tickets' mirror deliveries and replies; a config importing tickets' deliveries into REPORTS",
      checked:
        "every attempt refused or reaching only its own account; tickets' listener gets every event exactly once; nats-server refuses to start with the stealing import",
      figures: `reports ready with ${reportsKit.revocations.size.sessions} revocations from its own mirror; info: ${attempts.info}; pull: ${attempts.pull}; delete: ${attempts.delete}; pushed into tickets' inbox: ${pushed.length}; subscriptions: ${Object.values(subscriptions).join(', ')}`,
    });
  });
});
