import { connect } from 'nats';
import { AUTH_STREAM } from '@authbus/common';
import { waitFor } from '@authbus/common/testing';
import type { Stack } from '@authbus/local';
import { recordReliability, acceptedBy, call, metric, signupUser, startTestStack } from '@authbus/test-support';

// Long enough that a replica started after the sign-outs is up within the tokens' lifetime on a
// loaded machine (starting one can take seconds); the stream keeps events twice as long.
const TTL_SECONDS = 10;
const MAX_AGE_SECONDS = 20;

/**
 * Revocations matter only until every token they refuse has expired (`until`); after that every
 * set drops them, so a set holds revocation rate × token lifetime entries. The stream keeps events
 * at least that long (`max_age` ≥ TTL + clock tolerance), so a late joiner still gets every
 * revocation that can matter.
 */
describe('faults: stream limits and pruning', () => {
  let stack: Stack & { logs: string[] };

  beforeAll(async () => {
    stack = await startTestStack({
      ticketsReplicas: 2,
      env: {
        ACCESS_TOKEN_TTL: `${TTL_SECONDS}s`,
        JWT_CLOCK_TOLERANCE: '0s',
        AUTH_STREAM_MAX_AGE: `${MAX_AGE_SECONDS}s`,
      },
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('prunes revocations from every set after until, and the stream keeps them long enough', async () => {
    const nc = await connect({ servers: stack.natsUrl });
    const info = await (await nc.jetstreamManager()).streams.info(AUTH_STREAM);
    await nc.close();
    const maxAgeSeconds = info.config.max_age / 1e9;
    expect(maxAgeSeconds).toBe(MAX_AGE_SECONDS);
    expect(maxAgeSeconds).toBeGreaterThanOrEqual(TTL_SECONDS);

    const users = await Promise.all(
      [1, 2, 3].map((i) => signupUser(stack.gatewayUrl, `prune${i}-${Date.now()}@example.com`)),
    );
    for (const u of users)
      expect((await call(`${stack.gatewayUrl}/api/users/signout`, { method: 'POST', cookie: u.cookie })).status).toBe(
        200,
      );
    const entries = () =>
      Promise.all(stack.tickets.map((t) => metric(t.url, 'authbus_revocation_entries{kind="session"}')));
    await waitFor(async () => (await entries()).every((n) => n === 3), { description: 'the revocations in every set' });
    for (const t of stack.tickets) for (const u of users) expect(await acceptedBy(t.url, u.cookie)).toBe(false);
    // A replica that starts now, within the tokens' lifetime, still gets them from the stream.
    const late = await stack.addTickets();
    expect(await metric(late.url, 'authbus_revocation_entries{kind="session"}')).toBe(3);

    const signedOutAt = Date.now();
    await waitFor(
      async () =>
        (
          await Promise.all([...stack.tickets].map((t) => metric(t.url, 'authbus_revocation_entries{kind="session"}')))
        ).every((n) => n === 0),
      {
        timeoutMs: (TTL_SECONDS + 15) * 1000,
        intervalMs: 200,
        description: 'every set to prune the expired revocations',
      },
    );
    const prunedAfterMs = Date.now() - signedOutAt;
    // Pruned, and still refused: the tokens have expired by now.
    for (const u of users) expect(await acceptedBy(stack.tickets[0]!.url, u.cookie)).toBe(false);

    recordReliability({
      kind: 'fault',
      scenario: 'Stream limits and pruning',
      done: `ACCESS_TOKEN_TTL=${TTL_SECONDS}s, AUTH_STREAM_MAX_AGE=${MAX_AGE_SECONDS}s; 3 sign-outs; a replica started afterwards; waited past until`,
      checked:
        'the stream max_age covers the token lifetime; every set (the late joiner too) held the 3 revocations, then pruned them after until; the tokens stay refused (expired)',
      figures: `entries per set: 3 → 0 within ${prunedAfterMs} ms of the sign-outs (until = last exp ≤ ${TTL_SECONDS} s later, pruned by a 1 s sweep); sizing: entries ≈ revocations per second × TTL`,
    });
  });
});
