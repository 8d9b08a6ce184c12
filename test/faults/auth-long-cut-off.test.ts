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

/** REVOCATION_MAX_STALENESS of the stack: the bound of the invariant. */
const BOUND_MS = 5_000;
/** REVOCATION_SILENT_MEMORY of the stack: how long tickets remembers a silent auth instance. */
const MEMORY_MS = 12_000;
/** AUTH_HEARTBEAT_INTERVAL (the default); the fence's margin is one interval plus a second. */
const HEARTBEAT_MS = 1_000;
/** The verifiers' clock tolerance (the default). */
const TOLERANCE_MS = 5_000;
/**
 * Past this after its last heartbeat the server confirmed auth answers every revocation it could not
 * publish 503, whatever its tokens' lifetime (memory − tolerance − margin); before it, only one whose
 * tokens expire before tickets may forget auth is answered 200, and a 15-minute token never does.
 */
const FENCE_MS = MEMORY_MS - TOLERANCE_MS - (HEARTBEAT_MS + 1_000);
/** How long auth stays cut off: well past the memory, so tickets forgets it meanwhile. */
const CUT_MS = MEMORY_MS + 5_000;
/** One sign-out this often while cut off. */
const SIGNOUT_EVERY_MS = 1_000;

type Verdict = Awaited<ReturnType<typeof ticketsVerdict>>;

interface SignOut {
  sid: string;
  cookie: string;
  status: number;
  answeredAt: number;
  body: unknown;
  retryAfter: string | null;
  clearsCookie: boolean;
}

/**
 * The auth service is cut off from NATS for longer than verifiers remember a silent instance
 * (REVOCATION_SILENT_MEMORY, short here so the suite runs in seconds), and sign-outs keep coming.
 * Tickets holds its in-sync time at auth's last heartbeat (stale after the bound) until the memory
 * ends, then trusts its own probes again. The invariant: every sign-out answered 200 is refused by
 * tickets, or tickets answers 503, from its 200 + the bound on, for any length of cut-off, also
 * after tickets forgot auth; so auth answers 200 only a sign-out it published, or one whose tokens
 * expire before tickets may forget it. The sessions' tokens live 15 minutes, far past the memory:
 * every sign-out during the cut is answered 503 `ERR_REVOCATION_PENDING` (recorded, cookie cleared),
 * from the first one on. Once auth is back, every sign-out is stored exactly once and refused.
 */
describe('faults: auth cut off from NATS longer than verifiers remember it', () => {
  let nats: NatsServerHandle;
  let proxy: TcpProxyHandle;
  let stack: AuthBehindProxy['stack'];
  let setUp: AuthBehindProxy | undefined;

  beforeAll(async () => {
    setUp = await startAuthBehindProxy({
      env: {
        REVOCATION_MAX_STALENESS: `${BOUND_MS / 1000}s`,
        REVOCATION_SILENT_MEMORY: `${MEMORY_MS / 1000}s`,
      },
      authEnv: { AUTH_HEARTBEAT_INTERVAL: `${HEARTBEAT_MS}ms` },
    });
    ({ nats, proxy, stack } = setUp);
  }, 120_000);

  afterAll(async () => {
    await setUp?.stop();
  });

  afterEach(async () => {
    await proxy.restore();
    const state = expect.getState();
    if (state.assertionCalls !== state.numPassingAsserts) process.stdout.write(stack.logs.slice(-300).join('\n'));
  });

  const cuts = [
    { how: 'connection closed', cut: () => proxy.cut() },
    { how: 'partition', cut: () => Promise.resolve(proxy.blackhole()) },
  ];

  it.each(cuts)(
    'auth cut off ($how) past the memory: no sign-out answered 200 goes unenforced; tokens outliving the memory make every one 503, stored once when auth is back',
    async ({ how, cut }) => {
      const tickets = stack.tickets[0]!.url;
      const tag = how.replace(/\W/g, '');
      const users = await Promise.all(
        Array.from({ length: Math.ceil(CUT_MS / SIGNOUT_EVERY_MS) }, (_, i) =>
          signupUser(stack.gatewayUrl, `long-${tag}-${i}-${Date.now()}@example.com`),
        ),
      );
      for (const user of users)
        await waitFor(async () => (await ticketsVerdict(tickets, user.cookie)) === 'accepted', {
          description: 'tickets to accept the new sessions',
        });
      expect(await outboxBacklog(stack.auth.url)).toBe(0);
      await nextAuthHeartbeat(nats.url);
      await cut();
      const cutAt = Date.now();

      // Sign out one user a second while cut off, and watch tickets with every 200 answered so far.
      const signOuts: SignOut[] = [];
      const verdicts: Array<{ sid: string; status: number; at: number; verdict: Verdict; remembered: boolean }> = [];
      const signingOut = (async () => {
        for (const user of users) {
          const started = Date.now();
          const res = await call(`${stack.auth.url}/api/users/signout`, { method: 'POST', cookie: user.cookie });
          signOuts.push({
            sid: user.sid,
            cookie: user.cookie,
            status: res.status,
            answeredAt: Date.now(),
            body: await res.json().catch(() => undefined),
            retryAfter: res.headers.get('retry-after'),
            clearsCookie: res.headers.getSetCookie().some((line) => /^session=;/.test(line)),
          });
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + SIGNOUT_EVERY_MS - Date.now())));
        }
      })();
      await waitFor(
        async () => {
          // Every sign-out so far: the 200s are held to the invariant, the 503s only counted.
          const answered = [...signOuts];
          const seen = await Promise.all(answered.map((s) => ticketsVerdict(tickets, s.cookie)));
          const at = Date.now();
          // Whether tickets still remembers auth (holds its in-sync time at auth's last heartbeat).
          const remembered = ((await metric(tickets, 'authbus_revocation_auth_silent_instances')) ?? 0) > 0;
          answered.forEach((s, i) =>
            verdicts.push({ sid: s.sid, status: s.status, at, verdict: seen[i]!, remembered }),
          );
          return at > cutAt + CUT_MS;
        },
        { timeoutMs: CUT_MS + 20_000, intervalMs: 100, description: 'the watch while auth is cut off' },
      );
      await signingOut;
      const silentBeforeRestore = await metric(tickets, 'authbus_revocation_auth_silent_instances');

      // Every 200 (none expected): from its answer + the bound on, refused or stale at tickets, also
      // after tickets forgot auth (the window the per-revocation rule closes).
      const answeredAt = new Map(signOuts.map((s) => [s.sid, s.answeredAt]));
      const unenforced = verdicts.filter(
        (v) => v.status === 200 && v.at > answeredAt.get(v.sid)! + BOUND_MS && v.verdict === 'accepted',
      );
      // A 503 promises nothing yet: tickets may accept its token once it forgot auth (counted, allowed).
      const forgotten = verdicts.filter((v) => !v.remembered);
      const pendingAccepted = forgotten.filter((v) => v.status === 503 && v.verdict === 'accepted').length;
      expect(forgotten.length).toBeGreaterThan(0);
      expect(verdicts.filter((v) => typeof v.verdict === 'number')).toEqual([]);
      expect(unenforced).toEqual([]);
      // None could reach the stream, and each one's tokens outlive tickets' memory of auth: every
      // one is 503, before the fence point as after it.
      const fenced = signOuts.filter((s) => s.status === 503);
      const early = signOuts.filter((s) => s.answeredAt < cutAt + FENCE_MS - HEARTBEAT_MS - 1_000);
      expect(early.length).toBeGreaterThan(0);
      expect(
        signOuts.filter((s) => s.status !== 503).map((s) => ({ afterCutMs: s.answeredAt - cutAt, status: s.status })),
      ).toEqual([]);
      for (const s of fenced) {
        expect(s.body).toEqual({
          errors: [
            {
              code: 'ERR_REVOCATION_PENDING',
              message: expect.stringMatching(/recorded.*once the event bus is reachable/i),
            },
          ],
        });
        expect(Number(s.retryAfter)).toBeGreaterThan(0);
        expect(s.clearsCookie).toBe(true);
      }
      expect(await metric(stack.auth.url, 'authbus_auth_revocations_fenced')).toBe(1);
      expect(
        await metric(stack.auth.url, 'authbus_auth_fenced_answers_total{action="signout"}'),
      ).toBeGreaterThanOrEqual(fenced.length);
      expect(await outboxBacklog(stack.auth.url)).toBe(signOuts.length);

      // Back: every sign-out, answered 200 or 503, is stored once and refused.
      await proxy.restore();
      const restoredAt = Date.now();
      await waitFor(
        async () =>
          (await Promise.all(signOuts.map((s) => ticketsVerdict(tickets, s.cookie)))).every((v) => v === 'refused'),
        {
          timeoutMs: 30_000,
          intervalMs: 50,
          description: 'tickets to refuse every signed-out session once auth is back',
        },
      );
      const refusedMs = Date.now() - restoredAt;
      await waitFor(async () => (await outboxBacklog(stack.auth.url)) === 0, {
        timeoutMs: 30_000,
        description: 'the outbox to drain',
      });
      const stored = await storedSessionRevocations(
        nats.url,
        signOuts.map((s) => s.sid),
      );
      expect([...stored.values()]).toEqual(signOuts.map(() => 1));
      await waitFor(async () => (await metric(stack.auth.url, 'authbus_auth_revocations_fenced')) === 0, {
        description: 'auth to stop fencing',
      });
      expect(stack.logs.some((l) => l.startsWith('[auth]') && l.includes('revocations fenced'))).toBe(true);
      expect(stack.logs.some((l) => l.startsWith('[auth]') && l.includes('revocations answered again'))).toBe(true);

      recordReliability({
        kind: 'fault',
        scenario: `Auth ${how === 'partition' ? 'partitioned from' : 'cut off from'} NATS past the silent memory`,
        done: `auth alone reaches nats-server through a TCP proxy (REVOCATION_MAX_STALENESS=${BOUND_MS / 1000}s, REVOCATION_SILENT_MEMORY=${MEMORY_MS / 1000}s, 15-minute tokens); ${how}; one sign-out a second for ${CUT_MS / 1000} s; then the proxy forwards again`,
        checked:
          'no sign-out is answered 200 (its tokens outlive the memory): each is 503 ERR_REVOCATION_PENDING with Retry-After and the cookie cleared, from the first after the cut; none answered 200 accepted after its 200 + the bound, before or after tickets forgot auth; once auth is back every sign-out is stored exactly once and refused',
        figures: `${signOuts.length - fenced.length} answered 200, ${fenced.length} answered 503 (first ${fenced[0] ? fenced[0].answeredAt - cutAt : '—'} ms after the cut); ${verdicts.length} checks, ${forgotten.length} after tickets forgot auth, of them ${pendingAccepted} of a 503's token accepted (allowed: not in effect until auth is back); tickets' silent auth instances before the restore ${silentBeforeRestore}; all refused ${refusedMs} ms after the restore; each stored once`,
      });
    },
    120_000,
  );
});
