import { waitFor, type NatsServerHandle, type TcpProxyHandle } from '@authbus/common/testing';
import {
  type AuthBehindProxy,
  call,
  metric,
  nextAuthHeartbeat,
  outboxBacklog,
  recordReliability,
  signupUser,
  startAuthBehindProxy,
  storedSessionRevocations,
  ticketsVerdict,
} from '@authbus/test-support';

/** REVOCATION_MAX_STALENESS of the stack: the bound of the invariant (above the 3 s heartbeat timeout). */
const BOUND_MS = 5_000;
/** How long past the bound the tickets replica is watched before auth is let back. */
const WATCH_PAST_BOUND_MS = 3_000;
/**
 * REVOCATION_SILENT_MEMORY of the stack: longer than an access token lives (15 min) + tolerance +
 * margin, so auth may answer 200 a sign-out it cannot publish (the per-revocation rule); with the
 * default 2 min it answers 503 ERR_REVOCATION_PENDING (test/faults/nats-faults.test.ts,
 * auth-long-cut-off.test.ts).
 */
const MEMORY = '20m';
/**
 * REVOCATION_SILENT_MEMORY of the tickets replica: shorter than the watch. Auth announces its own
 * in every heartbeat and the replica remembers it for the longer of the two; were it to go by its
 * own, it would forget the cut-off auth before the bound and accept the signed-out token.
 */
const TICKETS_MEMORY = '4s';

/**
 * The auth service alone is cut off from NATS (through a TCP proxy) while its outbox is empty, and
 * answers a sign-out 200 into its outbox (verifiers remember a silent auth longer than the session's
 * tokens live: REVOCATION_SILENT_MEMORY above the token lifetime); the tickets replica, connected to the same server
 * directly, still hears the stream and counts itself in sync by its own probes. The invariant:
 * from the sign-out's 200 + REVOCATION_MAX_STALENESS on, the replica refuses the token or answers
 * 503 (policy closed), never accepts it; once auth is back the revocation is stored once and refused.
 */
describe('faults: auth cut off from NATS', () => {
  let nats: NatsServerHandle;
  let proxy: TcpProxyHandle;
  let stack: AuthBehindProxy['stack'];
  let setUp: AuthBehindProxy | undefined;

  beforeAll(async () => {
    setUp = await startAuthBehindProxy({
      env: { REVOCATION_MAX_STALENESS: `${BOUND_MS / 1000}s`, REVOCATION_SILENT_MEMORY: TICKETS_MEMORY },
      authEnv: { REVOCATION_SILENT_MEMORY: MEMORY },
    });
    ({ nats, proxy, stack } = setUp);
  }, 120_000);

  afterAll(async () => {
    await setUp?.stop();
  });

  afterEach(async () => {
    // A failed scenario must not leave the next one cut off.
    await proxy.restore();
    const state = expect.getState();
    if (state.assertionCalls !== state.numPassingAsserts) process.stdout.write(stack.logs.slice(-200).join('\n'));
  });

  const silentInstances = (url: string) => metric(url, 'authbus_revocation_auth_silent_instances');

  const cuts = [
    {
      how: 'connection closed',
      cut: () => proxy.cut(),
      done: 'the proxy closes auth’s connection and refuses new ones',
    },
    {
      how: 'partition',
      cut: () => Promise.resolve(proxy.blackhole()),
      done: 'the proxy forwards nothing and closes nothing (no FIN: auth finds out by its pings)',
    },
  ];

  it.each(cuts)(
    'auth cut off ($how) with an empty outbox: a sign-out answered 200 is refused or the replica is stale from t + bound on',
    async ({ how, cut, done }) => {
      const tickets = stack.tickets[0]!.url;
      const user = await signupUser(stack.gatewayUrl, `cut-${how.replace(/\W/g, '')}-${Date.now()}@example.com`);
      await waitFor(async () => (await ticketsVerdict(tickets, user.cookie)) === 'accepted', {
        description: 'tickets to accept the new session',
      });
      expect(await outboxBacklog(stack.auth.url)).toBe(0);
      // Tickets has heard auth with nothing waiting since the session began.
      await nextAuthHeartbeat(nats.url);
      await cut();
      const res = await call(`${stack.auth.url}/api/users/signout`, { method: 'POST', cookie: user.cookie });
      await res.arrayBuffer();
      const answeredAt = Date.now();
      expect(res.status).toBe(200);

      // Watch the replica from the 200 until past the bound, auth still cut off.
      const verdicts: Array<{ at: number; verdict: Awaited<ReturnType<typeof ticketsVerdict>> }> = [];
      await waitFor(
        async () => {
          verdicts.push({ at: Date.now(), verdict: await ticketsVerdict(tickets, user.cookie) });
          return Date.now() > answeredAt + BOUND_MS + WATCH_PAST_BOUND_MS;
        },
        { timeoutMs: BOUND_MS + WATCH_PAST_BOUND_MS + 10_000, intervalMs: 50, description: 'the watch past the bound' },
      );
      const afterBound = verdicts.filter((v) => v.at > answeredAt + BOUND_MS);
      const lateAcceptances = afterBound.filter((v) => v.verdict === 'accepted').length;
      const firstStale = verdicts.find((v) => v.verdict === 'stale');
      expect(afterBound.length).toBeGreaterThan(0);
      expect(verdicts.filter((v) => typeof v.verdict === 'number')).toEqual([]);
      expect(lateAcceptances).toBe(0);
      expect(await outboxBacklog(stack.auth.url)).toBe(1);
      expect(await silentInstances(tickets)).toBe(1);

      await proxy.restore();
      const restoredAt = Date.now();
      await waitFor(async () => (await ticketsVerdict(tickets, user.cookie)) === 'refused', {
        timeoutMs: 30_000,
        intervalMs: 20,
        description: 'tickets to refuse the signed-out session once auth is back',
      });
      const refusedMs = Date.now() - restoredAt;
      await waitFor(async () => (await silentInstances(tickets)) === 0, { description: 'auth heard again' });
      await waitFor(async () => (await outboxBacklog(stack.auth.url)) === 0, {
        timeoutMs: 30_000,
        description: 'the outbox to drain',
      });
      const stored = (await storedSessionRevocations(nats.url, [user.sid])).get(user.sid);
      expect(stored).toBe(1);
      // Back in sync: a new session is served again (not 503).
      const fresh = await signupUser(stack.gatewayUrl, `back-${how.replace(/\W/g, '')}-${Date.now()}@example.com`);
      await waitFor(async () => (await ticketsVerdict(tickets, fresh.cookie)) === 'accepted', {
        timeoutMs: 20_000,
        description: 'tickets in sync again',
      });

      recordReliability({
        kind: 'fault',
        scenario: how === 'partition' ? 'Auth partitioned from NATS' : 'Auth cut off from NATS',
        done: `auth alone reaches nats-server through a TCP proxy, tickets directly (REVOCATION_MAX_STALENESS=${BOUND_MS / 1000}s, REVOCATION_SILENT_MEMORY=${MEMORY} at auth and ${TICKETS_MEMORY} at tickets, 15-minute tokens); outbox empty; ${done}; one sign-out through auth; ${(BOUND_MS + WATCH_PAST_BOUND_MS) / 1000} s later the proxy forwards again`,
        checked:
          'the sign-out is answered 200 (not published, but its tokens expire before verifiers may forget auth); from its 200 + the bound on tickets refuses the token or answers 503, never accepts it; after the proxy is restored the revocation is stored once and refused, and tickets serves new sessions again',
        figures: `accepted after the bound 0 of ${afterBound.length} checks; tickets stale ${firstStale ? firstStale.at - answeredAt : '—'} ms after the 200; refused ${refusedMs} ms after the proxy was restored; stored 1 time`,
      });
    },
    90_000,
  );

  it('auth stopped cleanly (a rolling deploy): its leaving heartbeat keeps tickets serving, not stale', async () => {
    const tickets = stack.tickets[0]!.url;
    const user = await signupUser(stack.gatewayUrl, `leave-${Date.now()}@example.com`);
    await waitFor(async () => (await ticketsVerdict(tickets, user.cookie)) === 'accepted', {
      description: 'tickets to accept the new session',
    });
    await nextAuthHeartbeat(nats.url);
    await stack.auth.stop();
    const stoppedAt = Date.now();
    // Past the heartbeat timeout and the bound: a silent auth would have made tickets stale by now.
    const verdicts: Array<Awaited<ReturnType<typeof ticketsVerdict>>> = [];
    await waitFor(
      async () => {
        verdicts.push(await ticketsVerdict(tickets, user.cookie));
        return Date.now() > stoppedAt + BOUND_MS + WATCH_PAST_BOUND_MS;
      },
      { timeoutMs: BOUND_MS + WATCH_PAST_BOUND_MS + 10_000, intervalMs: 100, description: 'the watch past the bound' },
    );
    expect(await silentInstances(tickets)).toBe(0);
    await stack.auth.start({ waitReady: true });
    expect(verdicts.filter((v) => v !== 'accepted')).toEqual([]);
    recordReliability({
      kind: 'fault',
      scenario: 'Auth stopped cleanly',
      done: `the auth service stopped with SIGTERM (outbox drained, a leaving heartbeat sent) and left down for ${(BOUND_MS + WATCH_PAST_BOUND_MS) / 1000} s (REVOCATION_MAX_STALENESS=${BOUND_MS / 1000}s), then started again`,
      checked:
        'tickets goes on serving a live session throughout (no 503): an auth that said it was leaving holds nothing',
      figures: `${verdicts.length} checks while auth was down: all accepted; silent auth instances seen by tickets 0`,
    });
  }, 60_000);
});
