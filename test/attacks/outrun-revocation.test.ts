import { AUTH_STREAM, Subjects } from '@authbus/common';
import { waitFor, sessionCookieFrom, claimsOfCookie } from '@authbus/common/testing';
import { connect, type NatsConnection } from 'nats';
import { recordReliability, acceptedBy, call, startTestStack } from '@authbus/test-support';
import type { Stack } from '@authbus/local';

const CYCLES = 30;
const TTL_SECONDS = 3;
const TOLERANCE_SECONDS = 1;
const PASSWORD = 'correct horse battery';

/**
 * An attacker signs in and signs out everywhere over and over, hoping to push the next token's
 * `iat` (and `exp`) ahead of the clock, past the retention of the revocation that refuses it; then
 * waits for the revocation to leave the stream and uses the token on a replica that starts late.
 * Scaled down: tokens live 3 s, the tolerance is 1 s, the stream keeps events 5 s (the least the
 * auth service accepts for those: lifetime + 2 × tolerance).
 */
describe('attacks: outrunning a revocation with tokens from the future', () => {
  let stack: Stack & { logs: string[] };
  let nc: NatsConnection;

  beforeAll(async () => {
    stack = await startTestStack({
      ticketsReplicas: 1,
      client: false,
      env: {
        ACCESS_TOKEN_TTL: `${TTL_SECONDS}s`,
        JWT_CLOCK_TOLERANCE: `${TOLERANCE_SECONDS}s`,
        AUTH_STREAM_MAX_AGE: '5s',
      },
    });
    nc = await connect({ servers: stack.natsUrl });
  }, 60_000);

  afterAll(async () => {
    await nc?.close();
    await stack?.stop();
  });

  it(`${CYCLES} sign-in + sign-out-everywhere cycles leave no token that a late replica accepts`, async () => {
    const email = `ratchet-${Date.now()}@example.com`;
    const signup = await call(`${stack.gatewayUrl}/api/users/signup`, { body: { email, password: PASSWORD } });
    let cookie = sessionCookieFrom(signup);
    for (let i = 0; i < CYCLES; i++) {
      expect((await call(`${stack.gatewayUrl}/api/users/signout-all`, { method: 'POST', cookie })).status).toBe(200);
      const signin = await call(`${stack.gatewayUrl}/api/users/signin`, { body: { email, password: PASSWORD } });
      expect(signin.status).toBe(200);
      cookie = sessionCookieFrom(signin);
    }
    const issuedAt = Date.now() / 1000;
    const { iat, exp } = claimsOfCookie(cookie);
    expect(await acceptedBy(stack.tickets[0]!.url, cookie)).toBe(true);
    expect((await call(`${stack.gatewayUrl}/api/users/signout-all`, { method: 'POST', cookie })).status).toBe(200);
    expect(await acceptedBy(stack.tickets[0]!.url, cookie)).toBe(false);

    // Wait until the stream no longer holds any of the revocations (auth's key set, republished
    // every quarter of max_age, is always there).
    const jsm = await nc.jetstreamManager();
    const revocationsLeft = async () => {
      const { state } = await jsm.streams.info(AUTH_STREAM, { subjects_filter: 'auth.>' });
      return Object.entries(state.subjects ?? {}).filter(([subject]) => subject !== Subjects.KeySetUpdated).length;
    };
    await waitFor(async () => (await revocationsLeft()) === 0, {
      timeoutMs: 20_000,
      intervalMs: 100,
      description: 'the stream to age out every revocation',
    });
    const late = await stack.addTickets();
    const acceptedLate = await acceptedBy(late.url, cookie);
    const acceptedFirst = await acceptedBy(stack.tickets[0]!.url, cookie);

    expect({ acceptedLate, acceptedFirst }).toEqual({ acceptedLate: false, acceptedFirst: false });
    expect(iat).toBeLessThanOrEqual(Math.ceil(issuedAt) + TOLERANCE_SECONDS);
    expect(exp).toBeLessThanOrEqual(Math.ceil(issuedAt) + TTL_SECONDS + TOLERANCE_SECONDS);

    recordReliability({
      kind: 'attack',
      scenario: 'Tokens from the future',
      done: `${CYCLES} sign-in + sign-out-everywhere cycles in a row (tokens live ${TTL_SECONDS} s, tolerance ${TOLERANCE_SECONDS} s, stream max_age 5 s); a last sign-out everywhere; a tickets replica started after the stream had aged out every event`,
      checked:
        'the last token’s iat and exp are not ahead of the clock; the late replica and the running one refuse it',
      figures: `last token: iat − now ${(iat - issuedAt).toFixed(1)} s, exp − now ${(exp - issuedAt).toFixed(1)} s; accepted by the late replica: ${acceptedLate ? 'yes' : 'no'}; by the running replica: ${acceptedFirst ? 'yes' : 'no'}`,
    });
  }, 60_000);
});
