import { AUTH_STREAM } from '@authbus/common';
import { waitFor } from '@authbus/common/testing';
import { connect, type NatsConnection } from 'nats';
import {
  REVOCATION_ANSWERS,
  recordReliability,
  acceptedBy,
  call,
  revocationAnswer,
  signupUser,
  startTestStack,
} from '@authbus/test-support';
import type { Stack } from '@authbus/local';

/**
 * NATS loses the `AUTH` stream under a running system (an operator deletes it, or a server comes
 * back with an empty store): the auth service recreates it with its configured settings, publishes
 * what was pending and every revocation that still matters again, and every replica (a late one
 * too) is back in sync, without restarting anything.
 */
describe('faults: the AUTH stream is lost', () => {
  let stack: Stack & { logs: string[] };
  let nc: NatsConnection;

  beforeAll(async () => {
    stack = await startTestStack({ ticketsReplicas: 2, client: false, env: { REVOCATION_MAX_STALENESS: '10s' } });
    nc = await connect({ servers: stack.natsUrl });
  }, 60_000);

  afterAll(async () => {
    await nc?.close();
    await stack?.stop();
  });

  afterEach(() => {
    const state = expect.getState();
    if (process.env.DEBUG_LOGS || state.assertionCalls !== state.numPassingAsserts)
      process.stdout.write(stack.logs.slice(-2000).join('\n'));
  });

  const refusedBy = async (urls: readonly string[], cookies: readonly string[]): Promise<boolean> => {
    for (const url of urls) for (const cookie of cookies) if (await acceptedBy(url, cookie)) return false;
    return true;
  };

  it('is recreated by auth; revocations from before and after the loss reach every replica, a late one too', async () => {
    const jsm = await nc.jetstreamManager();
    const configured = (await jsm.streams.info(AUTH_STREAM)).config;
    const before = await signupUser(stack.gatewayUrl, `before-loss-${Date.now()}@example.com`);
    expect(
      (await call(`${stack.gatewayUrl}/api/users/signout`, { method: 'POST', cookie: before.cookie })).status,
    ).toBe(200);

    await jsm.streams.delete(AUTH_STREAM);
    const lostAt = Date.now();

    const after = await signupUser(stack.gatewayUrl, `after-loss-${Date.now()}@example.com`);
    // Stored in the stream auth recreates (200), or, while it is gone, recorded and pending (503
    // ERR_REVOCATION_PENDING): either way it must reach every replica below.
    const answer = await revocationAnswer(
      await call(`${stack.gatewayUrl}/api/users/signout`, { method: 'POST', cookie: after.cookie }),
    );
    expect(REVOCATION_ANSWERS).toContain(answer);
    const replicas = stack.tickets.map((t) => t.url);
    await waitFor(() => refusedBy(replicas, [before.cookie, after.cookie]), {
      timeoutMs: 20_000,
      intervalMs: 50,
      description: 'both replicas to refuse the sign-out made after the stream was lost',
    });
    const propagatedMs = Date.now() - lostAt;

    const recreated = await waitFor(
      () =>
        jsm.streams.info(AUTH_STREAM).then(
          (info) => info.config,
          () => undefined,
        ),
      {
        timeoutMs: 10_000,
        description: 'auth to recreate the stream',
      },
    );
    expect({
      maxAge: recreated.max_age,
      replicas: recreated.num_replicas,
      subjects: recreated.subjects,
      storage: recreated.storage,
    }).toEqual({
      maxAge: configured.max_age,
      replicas: configured.num_replicas,
      subjects: configured.subjects,
      storage: configured.storage,
    });

    // The user directory (a durable listener shared by the replicas) follows the recreated stream too.
    const newcomer = await signupUser(stack.gatewayUrl, `newcomer-${Date.now()}@example.com`);
    await waitFor(
      () =>
        stack.logs.some(
          (line) =>
            /^\[tickets-[12]\]/.test(line) && line.includes('user added to directory') && line.includes(newcomer.id),
        ),
      {
        timeoutMs: 15_000,
        description: 'a running replica’s directory listener to handle the new user',
      },
    );
    // Once auth has published everything again, a replica that starts knows every revocation.
    await waitFor(
      async () =>
        ((await (await fetch(`${stack.auth.url}/readyz`)).json()) as { outbox: { backlog: number } }).outbox.backlog ===
        0,
      {
        timeoutMs: 10_000,
        description: 'auth to publish everything again',
      },
    );
    const republishedMs = Date.now() - lostAt;
    const late = await stack.addTickets();
    const lateRefusesBoth = await refusedBy([late.url], [before.cookie, after.cookie]);
    expect(lateRefusesBoth).toBe(true);

    // Back in sync: replicas ready, auth ready with nothing left to publish.
    for (const url of [...replicas, late.url]) {
      await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, {
        timeoutMs: 15_000,
        description: `${url} ready`,
      });
    }
    const authReady = (await (await fetch(`${stack.auth.url}/readyz`)).json()) as {
      ready: boolean;
      outbox: { backlog: number };
    };
    expect(authReady).toMatchObject({ ready: true, outbox: { backlog: 0 } });

    expect(stack.tickets.every((t) => t.exits.length === 0) && stack.auth.exits.length === 0).toBe(true);

    recordReliability({
      kind: 'fault',
      scenario: 'AUTH stream lost',
      done: 'one sign-out; the AUTH stream deleted under the running stack; a sign-up and a sign-out; a tickets replica started afterwards',
      checked:
        'auth recreates the stream with its configured settings (max_age, replicas, subjects, storage) without a restart; both replicas and the late one refuse the sign-outs from before and after the loss; every replica and auth ready again, outbox empty; the user directory listener follows the new stream',
      figures: `sign-out after the loss answered ${answer}, refused by both replicas ${propagatedMs} ms after the stream was deleted; stream recreated and everything published again ${republishedMs} ms after; late replica refuses both: ${lateRefusesBoth ? 'yes' : 'no'}; restarts: 0`,
    });
  }, 90_000);
});
