import { connect } from 'nats';
import { AUTH_STREAM, Subjects, type AnyEventEnvelope } from '@authbus/common';
import { startNatsCluster, waitFor, type NatsClusterHandle, type NatsClusterNode } from '@authbus/common/testing';
import type { Stack } from '@authbus/local';
import {
  call,
  logLinesOf,
  natsServerOf,
  recordReliability,
  revocationAnswer,
  signupUser,
  startTestStack,
  ticketsVerdict,
} from '@authbus/test-support';

/** REVOCATION_MAX_STALENESS of the stack: the bound of the invariant. */
const BOUND_MS = 10_000;
const SIGN_OUTS = 5;

/**
 * The nats-server auth uses hangs (SIGSTOP) on a 3-node cluster. Auth's client would notice only
 * by its pings (two unanswered); a sign-out's publish that gets no ack from a server that answers
 * no ping moves it to another server at once. What must hold: a sign-out is answered 200 only once
 * the stream acknowledged it, else 503 ERR_REVOCATION_PENDING (its 15-minute tokens outlive
 * verifiers' memory of auth); every sign-out answered 200 is refused by every tickets replica, none
 * later than its 200 + the bound; every one, 200 or 503, is refused in the end and stored once; and
 * auth leaves the hung server because of the unanswered publish (its log says so), before its
 * pings would have.
 */
describe('faults: a publish that times out moves auth to another server', () => {
  let cluster: NatsClusterHandle;
  let stack: Stack & { logs: string[] };

  beforeAll(async () => {
    cluster = await startNatsCluster({ nodes: 3 });
    stack = await startTestStack({
      natsUrl: cluster.servers.join(','),
      client: false,
      env: { REVOCATION_MAX_STALENESS: `${BOUND_MS / 1000}s`, AUTH_STREAM_REPLICAS: '3' },
    });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await cluster?.stop();
  });

  afterEach(() => {
    const state = expect.getState();
    if (state.assertionCalls !== state.numPassingAsserts) process.stdout.write(stack.logs.slice(-300).join('\n'));
  });

  const authLines = () => logLinesOf(stack.logs, 'auth');

  /** The cluster node a service is connected to now. */
  function serverOf(service: string): NatsClusterNode {
    const server = natsServerOf(stack.logs, service);
    const node = cluster.nodes.find((n) => n.url === `nats://${server ?? ''}`);
    if (!node) throw new Error(`${service}'s server not found in its logs (${server ?? 'no line'})`);
    return node;
  }
  const authServer = () => serverOf('auth');

  /** How many `auth.session.revoked` the stream holds for each of `sids` (read again while the cluster settles). */
  async function storedRevocations(sids: readonly string[]): Promise<number[]> {
    const nc = await connect({ servers: cluster.servers });
    try {
      const jsm = await nc.jetstreamManager();
      const { state } = await jsm.streams.info(AUTH_STREAM);
      const counts = new Map(sids.map((sid) => [sid, 0]));
      for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
        const msg = await jsm.streams.getMessage(AUTH_STREAM, { seq }).catch(() => undefined);
        if (msg?.subject !== Subjects.SessionRevoked) continue;
        const { sid } = msg.json<AnyEventEnvelope>().data as { sid: string };
        if (counts.has(sid)) counts.set(sid, counts.get(sid)! + 1);
      }
      return sids.map((sid) => counts.get(sid)!);
    } finally {
      await nc.close();
    }
  }

  it('SIGSTOP of the server auth uses: sign-outs take effect everywhere within the bound, auth moves on its first unanswered publish', async () => {
    const users = await Promise.all(
      Array.from({ length: SIGN_OUTS }, (_, i) =>
        signupUser(stack.gatewayUrl, `failover${i}-${Date.now()}@example.com`),
      ),
    );
    const hung = authServer();
    const leader = await cluster.leaderOf(AUTH_STREAM);
    // Replicas on another server hear auth as soon as it moves; one on the hung server waits for its own pings.
    const onHealthy = new Set(stack.tickets.filter((t) => serverOf(t.name).name !== hung.name).map((t) => t.url));
    const refusedAt = new Map<string, number>();
    const pausedAt = Date.now();
    await hung.pause();
    try {
      const answered: Array<{ cookie: string; sid: string; answeredAt: number; answer: string }> = [];
      for (const user of users) {
        const res = await call(`${stack.auth.url}/api/users/signout`, { method: 'POST', cookie: user.cookie });
        answered.push({
          cookie: user.cookie,
          sid: user.sid,
          answer: await revocationAnswer(res),
          answeredAt: Date.now(),
        });
      }
      // The first one's publish times out on the frozen server (503, recorded); once auth moved, 200.
      expect(answered.filter((a) => a.answer !== '200' && a.answer !== '503 ERR_REVOCATION_PENDING')).toEqual([]);
      const pendingAnswers = answered.filter((a) => a.answer !== '200').length;
      let pending = stack.tickets.flatMap((t) => answered.map((a) => ({ url: t.url, ...a })));
      let lateAcceptances = 0;
      let worstMs = 0;
      await waitFor(
        async () => {
          const results = await Promise.all(
            pending.map(async (p) => ({ p, v: await ticketsVerdict(p.url, p.cookie) })),
          );
          const checkedAt = Date.now();
          pending = [];
          let staleOnHung = 0;
          for (const { p, v } of results) {
            if (v === 'refused') {
              worstMs = Math.max(worstMs, checkedAt - p.answeredAt);
              refusedAt.set(p.url, Math.max(refusedAt.get(p.url) ?? 0, checkedAt - pausedAt));
            } else {
              // Only a 200 promised the bound; a 503 pending must be refused in the end.
              if (v === 'accepted' && p.answer === '200' && checkedAt > p.answeredAt + BOUND_MS) lateAcceptances++;
              if (v === 'stale' && !onHealthy.has(p.url)) staleOnHung++;
              pending.push(p);
            }
          }
          // A replica still on the frozen server may only answer 503 (its policy): the invariant. It
          // leaves that server when auth's heartbeats stop or on its pings; until then it stays checked.
          return pending.length === staleOnHung && checkedAt - pausedAt > BOUND_MS;
        },
        {
          timeoutMs: 60_000,
          intervalMs: 20,
          description: 'every replica to refuse every signed-out cookie (or, on the frozen server, to answer 503)',
        },
      );
      const allRefusedMs = Date.now() - pausedAt;
      const healthyMs = Math.max(...[...onHealthy].map((url) => refusedAt.get(url) ?? NaN));
      expect(lateAcceptances).toBe(0);
      const moved = authServer();
      expect(moved.name).not.toBe(hung.name);
      const forced = authLines().find((l) => l.msg.startsWith('nats server does not answer after a publish timed out'));
      expect(forced).toBeDefined();
      const left = authLines().find((l) => l.msg === 'nats disconnected' && Date.parse(l.time) >= pausedAt);
      const leftMs = left ? Date.parse(left.time) - pausedAt : NaN;
      const published = authLines().filter(
        (l) => l.msg === 'outbox event published after retry' && Date.parse(l.time) >= pausedAt,
      );
      const publishedMs = published.length ? Date.parse(published.at(-1)!.time) - pausedAt : NaN;
      recordReliability({
        kind: 'fault',
        scenario: 'NATS cluster: publish timeout moves auth',
        done: `3-node cluster, R3 AUTH stream, auth + 2 tickets replicas (REVOCATION_MAX_STALENESS=${BOUND_MS / 1000}s); the nats-server auth uses (${hung.name}) frozen with SIGSTOP; ${SIGN_OUTS} sign-outs one after another right after`,
        checked:
          'every sign-out 200 once the stream acknowledged it, else 503 ERR_REVOCATION_PENDING; auth leaves the hung server because a publish went unanswered and the server answered no ping (its log says so); every replica on a healthy server refuses every session, one left on the frozen server refuses or answers 503, none accepted one answered 200 after its 200 + the bound; each stored once',
        figures: `sign-outs answered 503 pending ${pendingAnswers} of ${SIGN_OUTS}; AUTH leader ${leader.name}${leader.name === hung.name ? ' (the frozen one: a new one is elected)' : ''}; auth left ${hung.name} ${leftMs} ms after the freeze, for ${moved.name}; held sign-outs published by ${publishedMs} ms; replicas on healthy servers (${onHealthy.size}) refused all ${SIGN_OUTS} sessions ${onHealthy.size ? healthyMs : '—'} ms after the freeze, every replica refusing (or, left on the frozen server, answering 503) ${allRefusedMs} ms (last ${worstMs} ms after its 200); accepted after the bound 0`,
      });
    } finally {
      hung.resume();
    }
    // A server resumed after a long freeze rejoins its JetStream groups first; on a loaded machine that takes a while.
    await cluster.waitForJetStream({ timeoutMs: 60_000 });
    // Every sign-out, 200 or 503, stored exactly once (read once the frozen server is back, as the cluster settles).
    const sids = users.map((u) => u.sid);
    await waitFor(async () => (await storedRevocations(sids)).every((n) => n === 1), {
      timeoutMs: 30_000,
      intervalMs: 500,
      description: 'every sign-out stored exactly once',
    });
    expect(await storedRevocations(sids)).toEqual(sids.map(() => 1));
  }, 180_000);
});
