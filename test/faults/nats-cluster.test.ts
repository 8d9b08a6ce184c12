import { connect } from 'nats';
import { AUTH_STREAM } from '@authbus/common';
import { startNatsCluster, waitFor, type NatsClusterHandle, type NatsClusterNode } from '@authbus/common/testing';
import type { Stack } from '@authbus/local';
import {
  call,
  inParallel,
  logLinesOf,
  natsServerOf,
  recordReliability,
  REVOCATION_ANSWERS,
  revocationAnswer,
  signupUser,
  startTestStack,
  storedSessionRevocations,
} from '@authbus/test-support';

/** REVOCATION_MAX_STALENESS of the stack: the bound of the invariant. */
const BOUND_MS = 10_000;

type User = { cookie: string; id: string; sid: string };

/**
 * Faults of a 3-node NATS cluster (an R3 `AUTH` stream) under the real auth service and two
 * tickets replicas. The invariant: for every sign-out answered 200 at t, every replica refuses the
 * token by t + REVOCATION_MAX_STALENESS or answers 503 (policy closed) from then on; never does a
 * replica accept it after the bound. Nothing is lost, nothing stored twice.
 */
describe('faults: a 3-node NATS cluster', () => {
  let cluster: NatsClusterHandle;
  let stack: Stack & { logs: string[] };

  beforeAll(async () => {
    cluster = await startNatsCluster({ nodes: 3 });
    stack = await startTestStack({
      natsUrl: cluster.servers.join(','),
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

  async function signupMany(prefix: string, count: number): Promise<User[]> {
    return inParallel(
      Array.from({ length: count }, (_, i) => `${prefix}${i}-${Date.now()}@example.com`),
      4,
      (email) => signupUser(stack.gatewayUrl, email),
    );
  }

  /** What a tickets replica does with a cookie: accepts it (400: validation ran), refuses it (401) or is stale (503). */
  async function verdict(url: string, cookie: string): Promise<'accepted' | 'refused' | 'stale' | number> {
    const res = await call(`${url}/api/tickets`, { cookie, body: {} });
    await res.arrayBuffer();
    if (res.status === 400) return 'accepted';
    if (res.status === 401) return 'refused';
    if (res.status === 503) return 'stale';
    return res.status;
  }

  /**
   * Ask every replica about every signed-out cookie until each refuses it, counting every
   * acceptance seen after its sign-out's 200 + the bound (the invariant's violations; a sign-out
   * answered 503 ERR_REVOCATION_PENDING promised nothing yet, and only has to be refused in the end). Returns
   * the violations, the other statuses and when the last cookie was refused everywhere, ms after
   * its own 200.
   */
  async function watchRefusals(signedOut: { cookie: string; answeredAt: number; answer?: string }[]) {
    let pending = stack.tickets.flatMap((r) => signedOut.map((s) => ({ url: r.url, ...s })));
    let lateAcceptances = 0;
    let staleAnswers = 0;
    let worstMs = 0;
    const otherStatuses: number[] = [];
    await waitFor(
      async () => {
        const results = await inParallel(pending, 16, async (p) => ({ p, v: await verdict(p.url, p.cookie) }));
        const checkedAt = Date.now();
        pending = [];
        for (const { p, v } of results) {
          if (v === 'refused') worstMs = Math.max(worstMs, checkedAt - p.answeredAt);
          else {
            if (v === 'accepted' && p.answer !== '503 ERR_REVOCATION_PENDING' && checkedAt > p.answeredAt + BOUND_MS)
              lateAcceptances++;
            if (v === 'stale') staleAnswers++;
            if (typeof v === 'number') otherStatuses.push(v);
            pending.push(p);
          }
        }
        return pending.length === 0;
      },
      { timeoutMs: 60_000, intervalMs: 20, description: 'every replica to refuse every signed-out cookie' },
    );
    return { lateAcceptances, staleAnswers, otherStatuses, worstMs };
  }

  async function outboxDrained(): Promise<void> {
    await waitFor(
      async () =>
        ((await (await fetch(`${stack.auth.url}/readyz`)).json()) as { outbox: { backlog: number } }).outbox.backlog ===
        0,
      { timeoutMs: 60_000, description: 'the auth outbox to drain' },
    );
  }

  /** The server auth is connected to now, from its last "nats connected/reconnected" log line. */
  function authServer(): NatsClusterNode {
    const line = [...stack.logs].reverse().find((l) => l.startsWith('[auth]') && /"msg":"nats (re)?connected"/.test(l));
    const server = line ? (/"server":"([^"]+)"/.exec(line)?.[1] ?? '') : '';
    const node = cluster.nodes.find((n) => n.url === `nats://${server}`);
    if (!node) throw new Error(`auth's server not found in its logs (${server || 'no line'})`);
    return node;
  }

  async function signOut(users: User[], onAnswered?: (answered: number) => void) {
    let answered = 0;
    return inParallel(users, 4, async (u) => {
      const res = await call(`${stack.gatewayUrl}/api/users/signout`, { method: 'POST', cookie: u.cookie });
      const answer = await revocationAnswer(res);
      onAnswered?.(++answered);
      return { ...u, status: res.status, answer, answeredAt: Date.now() };
    });
  }

  it('kill -9 of the AUTH leader under sign-outs: nothing lost or doubled, no revoked token accepted after the bound', async () => {
    const users = await signupMany('leader', 60);
    const leader = await cluster.leaderOf(AUTH_STREAM);
    let killed: Promise<void> | undefined;
    const results = await signOut(users, (answered) => {
      if (answered === 15) killed = leader.kill();
    });
    await killed;
    const newLeader = await cluster.leaderOf(AUTH_STREAM);
    expect(results.map((r) => r.answer).filter((a) => !REVOCATION_ANSWERS.includes(a))).toEqual([]);
    const watched = await watchRefusals(results);
    expect(watched.lateAcceptances).toBe(0);
    expect(watched.otherStatuses).toEqual([]);
    await outboxDrained();
    const stored = await storedSessionRevocations(cluster.servers);
    const lost = users.filter((u) => !stored.has(u.sid)).length;
    const doubled = users.filter((u) => (stored.get(u.sid) ?? 0) > 1).length;
    expect({ lost, doubled }).toEqual({ lost: 0, doubled: 0 });
    await leader.restart();
    await cluster.waitForJetStream();
    recordReliability({
      kind: 'fault',
      scenario: 'NATS cluster: AUTH leader killed',
      done: `3-node cluster, R3 AUTH stream, auth + 2 tickets replicas (REVOCATION_MAX_STALENESS=${BOUND_MS / 1000}s); 60 sign-outs 4 at a time through the gateway; kill -9 of the stream leader (${leader.name}) after 15`,
      checked:
        'every sign-out 200, or 503 ERR_REVOCATION_PENDING when it could not be published; every replica refuses every session, and none accepted one answered 200 later than its 200 + the bound; each revocation stored exactly once; the outbox drained',
      figures: `new leader ${newLeader.name}; sign-outs answered 503 pending ${results.filter((r) => r.answer !== '200').length} of ${results.length}; lost 0, stored twice 0, accepted after the bound 0; last refusal ${watched.worstMs} ms after its 200; stale answers seen ${watched.staleAnswers}`,
    });
  }, 180_000);

  it('SIGSTOP of the server auth uses: replicas refuse within the bound or go stale, never silently in sync', async () => {
    const users = await signupMany('hung', 9);
    const hung = authServer();
    await hung.pause();
    let results: Awaited<ReturnType<typeof signOut>>;
    try {
      results = await signOut(users);
      expect(results.map((r) => r.answer).filter((a) => !REVOCATION_ANSWERS.includes(a))).toEqual([]);
      const watched = await watchRefusals(results);
      expect(watched.lateAcceptances).toBe(0);
      expect(watched.otherStatuses).toEqual([]);
      await outboxDrained();
      const moved = authServer();
      expect(moved.name).not.toBe(hung.name);
      recordReliability({
        kind: 'fault',
        scenario: 'NATS cluster: server hung under auth',
        done: `3-node cluster, R3 AUTH stream; the nats-server auth is connected to (${hung.name}) frozen with SIGSTOP; 9 sign-outs through the gateway while it is frozen`,
        checked:
          'every sign-out 200, or 503 ERR_REVOCATION_PENDING when it could not be published; auth leaves the hung server on its pings and publishes its outbox; every replica refuses every session, none accepted one answered 200 later than its 200 + the bound (REVOCATION_MAX_STALENESS)',
        figures: `auth moved to ${moved.name}; sign-outs answered 503 pending ${results.filter((r) => r.answer !== '200').length} of ${results.length}; accepted after the bound 0; last refusal ${watched.worstMs} ms after its 200 (bound ${BOUND_MS} ms); stale answers seen ${watched.staleAnswers}`,
      });
    } finally {
      hung.resume();
    }
    await cluster.waitForJetStream();
    // Right after the frozen server resumes, reads can fail while the cluster settles.
    expect(await notStoredOnce(users)).toEqual([]);
  }, 180_000);

  /** The server a service (`auth`, `tickets-1` …) is connected to now, from its last "nats connected/reconnected" log line. */
  function serverOf(service: string): NatsClusterNode {
    const server = natsServerOf(stack.logs, service);
    const node = cluster.nodes.find((n) => n.url === `nats://${server ?? ''}`);
    if (!node) throw new Error(`${service}'s server not found in its logs (${server ?? 'no line'})`);
    return node;
  }

  /**
   * Until no tickets replica's connection moved for a second: the last thing each logged of NATS is
   * a (re)connect at least that old. After a scenario that restarted servers, clients may still be
   * moving (a log line arrives a little after the move), and which server a replica is on would be
   * read from a line about to be superseded.
   */
  async function connectionsSettled(): Promise<void> {
    const events = ['nats connected', 'nats reconnected', 'nats disconnected'];
    await waitFor(
      () =>
        stack.tickets.every((r) => {
          const last = logLinesOf(stack.logs, r.name)
            .reverse()
            .find((l) => events.includes(l.msg));
          return last !== undefined && last.msg !== 'nats disconnected' && Date.now() - Date.parse(last.time) >= 1000;
        }),
      { timeoutMs: 30_000, description: 'the tickets replicas connected, none moving' },
    );
  }

  /** Until each node runs and answers, and AUTH has a leader with every replica current: a healthy cluster. */
  async function clusterHealthy(): Promise<void> {
    await cluster.waitForJetStream({ timeoutMs: 60_000 });
    const nc = await connect({ servers: cluster.servers });
    try {
      const jsm = await nc.jetstreamManager();
      await waitFor(
        async () => {
          const { cluster: c } = await jsm.streams.info(AUTH_STREAM);
          return (
            !!c?.leader && (c.replicas ?? []).length === 2 && (c.replicas ?? []).every((r) => r.current && !r.offline)
          );
        },
        { timeoutMs: 60_000, intervalMs: 100, description: 'AUTH to have a leader and every replica current' },
      );
    } finally {
      await nc.close();
    }
  }

  /**
   * The users whose sign-out is not stored exactly once in AUTH, read again until there are none
   * (reads fail while a cluster settles; one stored twice, or never, stays so) or 30 s pass.
   */
  async function notStoredOnce(users: User[]): Promise<User[]> {
    let notOnce: User[] = [];
    await waitFor(
      async () => {
        const stored = await storedSessionRevocations(cluster.servers);
        notOnce = users.filter((u) => stored.get(u.sid) !== 1);
        return notOnce.length === 0;
      },
      { timeoutMs: 30_000, intervalMs: 500, description: 'every sign-out stored exactly once in AUTH' },
    ).catch(() => undefined);
    return notOnce;
  }

  /** Ask AUTH's leader to step down until another node than `node` leads it, and the cluster is whole again. */
  async function moveLeaderOff(node: NatsClusterNode): Promise<void> {
    const nc = await connect({ servers: cluster.servers });
    try {
      await waitFor(
        async () => {
          if ((await cluster.leaderOf(AUTH_STREAM)).name !== node.name) return true;
          await nc
            .request(`$JS.API.STREAM.LEADER.STEPDOWN.${AUTH_STREAM}`, undefined, { timeout: 5000 })
            .catch(() => undefined);
          return false;
        },
        { timeoutMs: 60_000, intervalMs: 500, description: `AUTH led by another node than ${node.name}` },
      );
    } finally {
      await nc.close();
    }
    await clusterHealthy();
  }

  /** Until every tickets replica is ready (in sync again after an earlier scenario's fault). */
  async function replicasReady(): Promise<void> {
    await waitFor(
      async () => {
        const answers = await Promise.all(stack.tickets.map((r) => fetch(`${r.url}/readyz`).then((res) => res.ok)));
        return answers.every(Boolean);
      },
      { timeoutMs: 60_000, intervalMs: 100, description: 'every tickets replica ready' },
    );
  }

  /**
   * Authenticated requests with valid cookies against every tickets replica, `concurrency` at a
   * time, until `stop()`: counts what each replica answered.
   */
  function authenticatedLoad(users: User[], concurrency = 4) {
    const statuses = new Map<string, Map<number, number>>();
    let running = true;
    let sent = 0;
    const worker = async (w: number): Promise<void> => {
      for (let i = w; running; i += concurrency) {
        const replica = stack.tickets[i % stack.tickets.length]!;
        const user = users[i % users.length]!;
        const res = await call(`${replica.url}/api/tickets`, { cookie: user.cookie, body: {} }).catch(() => undefined);
        await res?.arrayBuffer();
        sent++;
        const byStatus = statuses.get(replica.name) ?? new Map<number, number>();
        byStatus.set(res?.status ?? 0, (byStatus.get(res?.status ?? 0) ?? 0) + 1);
        statuses.set(replica.name, byStatus);
      }
    };
    const workers = Array.from({ length: concurrency }, (_, w) => worker(w));
    return {
      async stop() {
        running = false;
        await Promise.all(workers);
        const count = (replica: string | undefined, match: (status: number) => boolean) =>
          [...statuses]
            .filter(([name]) => replica === undefined || name === replica)
            .flatMap(([, byStatus]) => [...byStatus])
            .reduce((sum, [status, n]) => sum + (match(status) ? n : 0), 0);
        return { sent, statuses, count };
      },
    };
  }

  it('rolling restart of all 3 servers under load: 0 5xx, nothing lost or doubled, no revoked token accepted after the bound', async () => {
    const users = await signupMany('rolling', 24);
    const steady = await signupMany('steady', 6);
    await clusterHealthy();
    await replicasReady();
    const load = authenticatedLoad(steady);
    const signedOut: Awaited<ReturnType<typeof signOut>> = [];
    const restartedMs: number[] = [];
    for (const [i, node] of cluster.nodes.entries()) {
      signedOut.push(...(await signOut(users.slice(i * 8, i * 8 + 4))));
      const startedAt = Date.now();
      await node.restart();
      // A rolling restart goes on only once the cluster is whole again (as a StatefulSet's readiness makes it).
      await clusterHealthy();
      restartedMs.push(Date.now() - startedAt);
      signedOut.push(...(await signOut(users.slice(i * 8 + 4, i * 8 + 8))));
    }
    const watched = await watchRefusals(signedOut);
    const { sent, count, statuses } = await load.stop();
    const serverErrors = count(undefined, (s) => s >= 500 || s === 0);
    expect(signedOut.map((r) => r.answer).filter((a) => !REVOCATION_ANSWERS.includes(a))).toEqual([]);
    expect({ serverErrors, accepted: count(undefined, (s) => s === 400) }).toEqual({ serverErrors: 0, accepted: sent });
    expect(watched.lateAcceptances).toBe(0);
    expect(watched.otherStatuses).toEqual([]);
    await outboxDrained();
    expect(await notStoredOnce(users)).toEqual([]);
    recordReliability({
      kind: 'fault',
      scenario: 'NATS cluster: rolling restart',
      done: `3-node cluster, R3 AUTH stream, auth + 2 tickets replicas (REVOCATION_MAX_STALENESS=${BOUND_MS / 1000}s); each server restarted in turn (SIGTERM, start, wait until AUTH has a leader and every replica current) under authenticated requests 4 at a time with valid cookies against both replicas; 24 sign-outs before and after each restart`,
      checked:
        'no authenticated request answered 5xx (a 503 for staleness counts) or failed; every sign-out 200, or 503 ERR_REVOCATION_PENDING when it could not be published; every replica refuses every session, none accepted one answered 200 later than its 200 + the bound; each revocation stored exactly once',
      figures: `${sent} authenticated requests, 5xx 0 (${[...statuses].map(([name, byStatus]) => `${name}: ${[...byStatus].map(([st, n]) => `${n}×${st}`).join(', ')}`).join('; ')}); restarts until healthy ${restartedMs.join(' / ')} ms; lost 0, stored twice 0, accepted after the bound 0; last refusal ${watched.worstMs} ms after its 200`,
    });
  }, 300_000);

  it("kill -9 of a tickets replica's server: the replica on a healthy server never goes stale, the invariant holds", async () => {
    await clusterHealthy();
    await connectionsSettled();
    // Put the two replicas on different servers: restart one until it picked another than the first.
    const [first, second] = [stack.tickets[0]!, stack.tickets[1]!];
    await waitFor(
      async () => {
        if (serverOf(first.name).name !== serverOf(second.name).name) return true;
        await second.restart({ waitReady: true });
        return false;
      },
      { timeoutMs: 120_000, intervalMs: 0, description: 'the tickets replicas on different servers' },
    );
    const victim = serverOf(first.name);
    const healthy = second.name;
    const healthyServer = serverOf(healthy);
    // Not the AUTH leader: losing it is an election, which no replica can ride out (the scenario
    // above); this one is about a replica whose consumer may have lived on the dead server.
    await moveLeaderOff(victim);
    const users = await signupMany('killed', 20);
    const steady = await signupMany('steady-kill', 4);
    await replicasReady();
    const load = authenticatedLoad(steady);
    await victim.kill('SIGKILL');
    const signedOut = await signOut(users);
    const watched = await watchRefusals(signedOut);
    const { sent, count } = await load.stop();
    const healthyStale = count(healthy, (s) => s === 503);
    expect(signedOut.map((r) => r.answer).filter((a) => !REVOCATION_ANSWERS.includes(a))).toEqual([]);
    expect(serverOf(healthy).name).toBe(healthyServer.name);
    expect(healthyStale).toBe(0);
    expect(watched.lateAcceptances).toBe(0);
    expect(watched.otherStatuses).toEqual([]);
    await outboxDrained();
    const moved = serverOf(first.name);
    await victim.restart();
    await clusterHealthy();
    expect(await notStoredOnce(users)).toEqual([]);
    recordReliability({
      kind: 'fault',
      scenario: "NATS cluster: tickets replica's server killed",
      done: `3-node cluster, R3 AUTH stream (REVOCATION_MAX_STALENESS=${BOUND_MS / 1000}s); tickets-1 on ${victim.name}, tickets-2 on ${healthyServer.name}, AUTH led by another node; kill -9 of ${victim.name} under authenticated requests against both replicas, then 20 sign-outs`,
      checked:
        'the replica whose server stayed up never answered 503 (events reach it live through its own server; a consumer it reads a gap with, wherever that lives, is replaced when it stops delivering); every sign-out 200, or 503 ERR_REVOCATION_PENDING when it could not be published; every replica refuses every session, none accepted one answered 200 later than its 200 + the bound; each revocation stored exactly once',
      figures: `tickets-1 moved to ${moved.name}; ${sent} authenticated requests; 503 from tickets-2 0, from tickets-1 ${count(first.name, (s) => s === 503)}; accepted after the bound 0; last refusal ${watched.worstMs} ms after its 200; stale answers seen ${watched.staleAnswers}`,
    });
  }, 300_000);
});
