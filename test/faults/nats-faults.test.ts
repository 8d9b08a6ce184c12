import { connect } from 'nats';
import { AUTH_STREAM, Subjects, type AnyEventEnvelope } from '@authbus/common';
import { waitFor } from '@authbus/common/testing';
import type { Stack, ServiceProcess } from '@authbus/local';
import {
  recordReliability,
  REVOCATION_ANSWERS,
  revocationAnswer,
  acceptedBy,
  call,
  inParallel,
  metric,
  signupUser,
  startTestStack,
} from '@authbus/test-support';

const SESSIONS = 200;

/**
 * Faults against the real processes: the nats-server is killed, stopped and restarted under the
 * auth service and the tickets replicas. What must hold: no sign-out is lost, every replica ends up
 * refusing every signed-out session, nothing crashes, and while the feed is out of touch each
 * staleness policy does what it says.
 */
describe('faults: NATS crashes and outages', () => {
  let stack: Stack & { logs: string[] };
  let users: Array<{ cookie: string; id: string; sid: string }> = [];

  beforeAll(async () => {
    stack = await startTestStack({ env: { REVOCATION_MAX_STALENESS: '2s' } });
    users = await inParallel(
      Array.from({ length: SESSIONS }, (_, i) => `crash${i}-${Date.now()}@example.com`),
      8,
      (email) => signupUser(stack.gatewayUrl, email),
    );
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  afterEach(() => {
    const state = expect.getState();
    if (state.assertionCalls !== state.numPassingAsserts) process.stdout.write(stack.logs.slice(-300).join('\n'));
  });

  const replicas = (): ServiceProcess[] => stack.tickets;

  /** Wait until every replica refuses every cookie; returns when, in ms after `since`. */
  async function refusedEverywhere(
    cookies: readonly string[],
    since: number,
    urls = replicas().map((r) => r.url),
  ): Promise<number> {
    let pending = urls.flatMap((url) => cookies.map((cookie) => ({ url, cookie })));
    await waitFor(
      async () => {
        const still = await inParallel(pending, 16, async (p) => ((await acceptedBy(p.url, p.cookie)) ? p : undefined));
        pending = still.filter((p): p is { url: string; cookie: string } => p !== undefined);
        return pending.length === 0;
      },
      { timeoutMs: 30_000, intervalMs: 20, description: `every replica to refuse ${cookies.length} cookies` },
    );
    return Date.now() - since;
  }

  async function storedRevocations(): Promise<AnyEventEnvelope[]> {
    const nc = await connect({ servers: stack.natsUrl });
    try {
      const jsm = await nc.jetstreamManager();
      const { state } = await jsm.streams.info(AUTH_STREAM);
      const events: AnyEventEnvelope[] = [];
      for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
        const msg = await jsm.streams.getMessage(AUTH_STREAM, { seq }).catch(() => undefined);
        if (msg?.subject === Subjects.SessionRevoked) events.push(msg.json<AnyEventEnvelope>());
      }
      return events;
    } finally {
      await nc.close();
    }
  }

  it('NATS crash under sign-outs: kill -9 and restart mid-stream; 200 or 503 pending, nothing lost, applied once, nobody crashed', async () => {
    for (const r of replicas()) expect(await acceptedBy(r.url, users[0]!.cookie)).toBe(true);
    let answered = 0;
    let duringOutage = 0;
    let natsDown = false;
    let restartedAt = 0;
    const crash = (async () => {
      await waitFor(() => answered >= 60, { timeoutMs: 60_000, intervalMs: 5 });
      natsDown = true;
      await stack.nats!.kill('SIGKILL');
      await waitFor(() => duringOutage >= 20 || answered >= SESSIONS, { timeoutMs: 60_000, intervalMs: 5 });
      await stack.nats!.restart();
      restartedAt = Date.now();
      natsDown = false;
    })();
    const statuses = await inParallel(users, 4, async (u) => {
      const res = await call(`${stack.gatewayUrl}/api/users/signout`, { method: 'POST', cookie: u.cookie });
      answered++;
      if (natsDown) duringOutage++;
      // 200 when the stream acknowledged it; a sign-out that could not reach it is 503 pending, recorded all the same.
      return revocationAnswer(res);
    });
    await crash;
    expect(statuses.filter((s) => !REVOCATION_ANSWERS.includes(s))).toEqual([]);
    const pendingAnswers = statuses.filter((s) => s !== '200').length;

    const recoveryMs = await refusedEverywhere(
      users.map((u) => u.cookie),
      restartedAt,
    );
    await waitFor(
      async () =>
        ((await (await fetch(`${stack.auth.url}/readyz`)).json()) as { outbox: { backlog: number } }).outbox.backlog ===
        0,
      {
        timeoutMs: 30_000,
        description: 'the auth outbox to drain',
      },
    );
    const stored = await storedRevocations();
    const perSid = new Map<string, number>();
    for (const e of stored)
      perSid.set((e.data as { sid: string }).sid, (perSid.get((e.data as { sid: string }).sid) ?? 0) + 1);
    const lost = users.filter((u) => !perSid.has(u.sid)).length;
    const duplicates = [...perSid.values()].filter((n) => n > 1).length;
    expect(lost).toBe(0);
    expect(duplicates).toBe(0);
    for (const service of [stack.auth, ...replicas()]) expect(service.exits).toEqual([]);
    const applied = await Promise.all(
      replicas().map((r) => metric(r.url, 'authbus_revocation_entries{kind="session"}')),
    );
    for (const entries of applied) expect(entries).toBeGreaterThanOrEqual(SESSIONS);

    recordReliability({
      kind: 'fault',
      scenario: 'NATS crash under sign-outs',
      done: `${SESSIONS} sign-outs, 4 at a time, through the gateway; kill -9 of nats-server after 60, restart on the same store dir`,
      checked: `every sign-out answered 200 (published) or 503 ERR_REVOCATION_PENDING (recorded, not published); every session refused by both tickets replicas; outbox drained; one stored event per session; no process exited`,
      figures: `sign-outs answered during the outage: ${duringOutage}; answered 503 pending (NATS down, or auth not reconnected yet): ${pendingAnswers} of ${SESSIONS}; events lost: ${lost}; duplicate events stored: ${duplicates}; every replica refusing all ${SESSIONS} sessions ${recoveryMs} ms after the restart`,
    });
  });

  it('NATS down at sign-out: 503 ERR_REVOCATION_PENDING, held in the outbox, applied everywhere when NATS returns; stale feeds follow their policy', async () => {
    const open = await stack.addTickets({ env: { REVOCATION_STALENESS_POLICY: 'open' } });
    const closed = replicas()[0]!;
    const leaving = await signupUser(stack.gatewayUrl, `leaving-${Date.now()}@example.com`);
    const staying = await signupUser(stack.gatewayUrl, `staying-${Date.now()}@example.com`);
    await waitFor(
      async () => (await acceptedBy(open.url, staying.cookie)) && (await acceptedBy(closed.url, staying.cookie)),
    );

    await stack.nats!.shutdown();
    const started = Date.now();
    const res = await call(`${stack.gatewayUrl}/api/users/signout`, { method: 'POST', cookie: leaving.cookie });
    const signoutMs = Date.now() - started;
    // Not on the stream, and its 15-minute tokens outlive verifiers' 2-minute memory of auth: no 200.
    expect(await revocationAnswer(res)).toBe('503 ERR_REVOCATION_PENDING');
    const ready = (await (await fetch(`${stack.auth.url}/readyz`)).json()) as {
      ready: boolean;
      outbox: { backlog: number };
    };
    expect(ready).toMatchObject({ ready: true, outbox: { backlog: 1 } });

    // Policy closed: once stale beyond REVOCATION_MAX_STALENESS, authenticated requests get 503.
    const stale = await waitFor(
      async () => {
        const r = await call(`${closed.url}/api/tickets`, { cookie: staying.cookie, body: {} });
        return r.status === 503 ? r : undefined;
      },
      { timeoutMs: 15_000, description: 'the closed replica to refuse while stale' },
    );
    expect(stale.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await stale.json()) as { errors: Array<{ code: string }> }).errors[0]!.code).toBe('ERR_FEED_STALE');
    let servedClosed = 0;
    for (let i = 0; i < 20; i++)
      if ((await call(`${closed.url}/api/tickets`, { cookie: staying.cookie, body: {} })).status !== 503)
        servedClosed++;
    expect(servedClosed).toBe(0);
    expect((await fetch(`${closed.url}/api/tickets`)).status).toBe(200);
    expect((await fetch(`${closed.url}/readyz`)).status).toBe(503);

    // Policy open: serves, warns and counts. Its last in-sync time may be a heartbeat later than the
    // closed replica's (one that was behind at a heartbeat marks it only at the next): wait for it.
    await waitFor(async () => (await metric(open.url, 'authbus_revocation_feed_stale')) === 1, {
      timeoutMs: 15_000,
      description: 'the open replica to be stale too',
    });
    let servedWhileStale = 0;
    for (let i = 0; i < 20; i++) if (await acceptedBy(open.url, staying.cookie)) servedWhileStale++;
    expect(servedWhileStale).toBe(20);
    expect(await metric(open.url, 'authbus_stale_requests_served_total')).toBeGreaterThanOrEqual(20);
    expect((await fetch(`${open.url}/readyz`)).status).toBe(200);

    await stack.nats!.restart();
    const restartedAt = Date.now();
    const recoveryMs = await refusedEverywhere([leaving.cookie], restartedAt, [
      closed.url,
      open.url,
      ...replicas()
        .slice(1)
        .map((r) => r.url),
    ]);
    await waitFor(async () => acceptedBy(closed.url, staying.cookie), {
      timeoutMs: 15_000,
      description: 'the closed replica to serve again',
    });
    const stored = (await storedRevocations()).filter(
      (e) => e.subject === Subjects.SessionRevoked && (e.data as { sid: string }).sid === leaving.sid,
    );
    expect(stored).toHaveLength(1);

    recordReliability({
      kind: 'fault',
      scenario: 'NATS down at sign-out',
      done: 'nats-server stopped; a user signs out through the gateway; nats-server started again',
      checked:
        "sign-out answers 503 ERR_REVOCATION_PENDING (not published, its tokens outlive verifiers' memory of auth) with the event held in the outbox (backlog 1 on /readyz); after NATS returns every replica refuses the session, stored once",
      figures: `sign-out answered 503 in ${signoutMs} ms while NATS was down; events stored: ${stored.length} of 1; every replica refusing it ${recoveryMs} ms after NATS returned`,
    });
    recordReliability({
      kind: 'fault',
      scenario: 'Stale feed, policy closed',
      done: 'NATS down longer than REVOCATION_MAX_STALENESS (2 s) under a tickets replica with policy closed (the default)',
      checked:
        'authenticated requests answered 503 ERR_FEED_STALE with Retry-After; public routes still 200; /readyz 503; serves again after NATS returns',
      figures: `authenticated requests served while stale: ${servedClosed} of 20; Retry-After: ${stale.headers.get('retry-after')} s`,
    });
    recordReliability({
      kind: 'fault',
      scenario: 'Stale feed, policy open',
      done: 'the same outage under a tickets replica with REVOCATION_STALENESS_POLICY=open',
      checked:
        'authenticated requests served; authbus_revocation_feed_stale = 1 and authbus_stale_requests_served_total counts them; /readyz stays 200',
      figures: `authenticated requests served while stale: ${servedWhileStale} of 20`,
    });
  });

  it('late joiner and restart: a replica is not ready until it has replayed, then refuses every revoked session', async () => {
    const live = await signupUser(stack.gatewayUrl, `live-${Date.now()}@example.com`);
    await stack.nats!.shutdown();
    const late = await stack.addTickets({ waitReady: false });
    const notReady = await call(`${late.url}/api/tickets`, { cookie: live.cookie, body: {} });
    expect(notReady.status).toBe(503);
    expect(((await notReady.json()) as { errors: Array<{ code: string }> }).errors[0]!.code).toBe('ERR_FEED_NOT_READY');
    expect((await fetch(`${late.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${late.url}/api/tickets`)).status).toBe(200);

    await stack.nats!.restart();
    const restartedAt = Date.now();
    await waitFor(async () => (await fetch(`${late.url}/readyz`)).ok, {
      timeoutMs: 20_000,
      description: 'the late joiner to become ready',
    });
    const readyMs = Date.now() - restartedAt;
    const stillAccepted = (await inParallel(users, 16, (u) => acceptedBy(late.url, u.cookie))).filter(Boolean).length;
    expect(stillAccepted).toBe(0);
    expect(await acceptedBy(late.url, live.cookie)).toBe(true);

    const restarted = replicas()[0]!;
    await restarted.restart({ waitReady: true });
    const acceptedAfterRestart = (await inParallel(users, 16, (u) => acceptedBy(restarted.url, u.cookie))).filter(
      Boolean,
    ).length;
    expect(acceptedAfterRestart).toBe(0);
    const entries = await metric(late.url, 'authbus_revocation_entries{kind="session"}');

    recordReliability({
      kind: 'fault',
      scenario: 'Late joiner and restart',
      done: `a tickets replica started while NATS was down, after ${SESSIONS + 1} sign-outs; then an existing replica restarted`,
      checked:
        'before replaying: /readyz 503, authenticated requests 503 ERR_FEED_NOT_READY, public routes 200; once ready: every revoked session refused, a live one accepted',
      figures: `ready ${readyMs} ms after NATS returned, ${entries} revocations replayed; revoked sessions accepted after ready: ${stillAccepted} (late joiner), ${acceptedAfterRestart} (restarted replica)`,
    });
  });
});
