import { connect } from 'nats';
import { AUTH_STREAM, Subjects } from '@authbus/common';
import { waitFor } from '@authbus/common/testing';
import type { Stack } from '@authbus/local';
import {
  describeMongo,
  testMongoUri,
  recordReliability,
  revocationAnswer,
  acceptedBy,
  call,
  signupUser,
  startTestStack,
} from '@authbus/test-support';

// Needs a durable store: runs against MongoDB when one can be had (jest's global setup says why
// not otherwise). The memory store loses its outbox with the process by design.
describeMongo('faults: auth crashes with events in the outbox (MongoDB)', () => {
  let stack: Stack & { logs: string[] };

  beforeAll(async () => {
    stack = await startTestStack({ ticketsReplicas: 1 });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('publishes the events the outbox held at the crash after the restart', async () => {
    const user = await signupUser(stack.gatewayUrl, `durable-${Date.now()}@example.com`);
    await stack.nats!.shutdown();
    // Not on the stream, and its tokens outlive verifiers' memory of auth: recorded, 503 pending.
    expect(
      await revocationAnswer(
        await call(`${stack.gatewayUrl}/api/users/signout`, { method: 'POST', cookie: user.cookie }),
      ),
    ).toBe('503 ERR_REVOCATION_PENDING');
    await stack.auth.kill('SIGKILL');
    await stack.nats!.restart();
    await stack.auth.start({ waitReady: true });
    const restartedAt = Date.now();
    await waitFor(async () => !(await acceptedBy(stack.tickets[0]!.url, user.cookie)), {
      timeoutMs: 20_000,
      description: 'the held revocation to arrive',
    });
    const nc = await connect({ servers: stack.natsUrl });
    const jsm = await nc.jetstreamManager();
    const msg = await jsm.streams.getMessage(AUTH_STREAM, { last_by_subj: Subjects.SessionRevoked });
    await nc.close();
    expect(msg.json<{ data: { sid: string } }>().data.sid).toBe(user.sid);
    // Stored once (the restarted relay and any retry publish it under one Nats-Msg-Id).
    const nc2 = await connect({ servers: stack.natsUrl });
    const jsm2 = await nc2.jetstreamManager();
    const { state } = await jsm2.streams.info(AUTH_STREAM);
    let stored = 0;
    for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
      const m = await jsm2.streams.getMessage(AUTH_STREAM, { seq }).catch(() => undefined);
      if (m?.subject === Subjects.SessionRevoked && m.json<{ data: { sid: string } }>().data.sid === user.sid) stored++;
    }
    await nc2.close();
    expect(stored).toBe(1);
    recordReliability({
      kind: 'fault',
      scenario: 'Auth restart with a durable store',
      done: 'MongoDB store; NATS stopped; a sign-out (answered 503 ERR_REVOCATION_PENDING); kill -9 of the auth service; NATS and auth started again',
      checked:
        'the sign-out is answered 503 pending; the revocation written to the outbox before the crash is published after the restart, stored once and refused by tickets',
      figures: `held revocation found on the stream after the restart (events lost: 0); refused by tickets ${Date.now() - restartedAt} ms after auth was ready again`,
    });
  });
});

// Without MongoDB the scenario cannot run here; the report says so instead of leaving a gap.
(testMongoUri ? describe.skip : describe)('faults: auth restart with a durable store (no MongoDB here)', () => {
  it('records that the scenario needs MongoDB', () => {
    recordReliability({
      kind: 'fault',
      scenario: 'Auth restart with a durable store',
      done: 'not run: no mongod could be had on this machine (set MONGO_URI to a replica set to run it)',
      checked: 'the outbox kept in MongoDB is published after an auth crash',
      result: 'skipped',
      figures: '—',
    });
    expect(testMongoUri).toBeUndefined();
  });
});
