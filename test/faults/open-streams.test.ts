import type { Stack } from '@authbus/local';
import { claimsOfCookie, sessionCookieFrom, waitFor } from '@authbus/common/testing';
import {
  call,
  inParallel,
  metric,
  openEventStream,
  recordReliability,
  signupUser,
  startTestStack,
  type EventStream,
} from '@authbus/test-support';

const USERS = 10;
const SESSIONS_PER_USER = 100;
const PASSWORD = 'correct horse battery';

/**
 * A thousand live streams (server-sent events, authenticated once at connect) whose sessions are
 * then revoked: half by sign-out everywhere (five users), half by five hundred separate sign-outs.
 * Every one of them must end with `event: revoked`; streams of sessions that were not revoked stay open.
 */
describe('faults: 1,000 open streams of revoked sessions', () => {
  let stack: Stack & { logs: string[] };
  const streams: EventStream[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ ticketsReplicas: 1, client: false });
  }, 60_000);

  afterAll(async () => {
    for (const s of streams) s.close();
    await stack?.stop();
  });

  it('every stream of a revoked session ends with event: revoked; the others stay open', async () => {
    const tickets = stack.tickets[0]!.url;
    const users = await inParallel(
      Array.from({ length: USERS + 1 }, (_, i) => `streams-${i}-${Date.now()}@example.com`),
      4,
      (email) => signupUser(stack.auth.url, email).then((u) => ({ ...u, email })),
    );
    const control = users.pop()!;
    // SESSIONS_PER_USER sessions of each user: one sign-in each.
    const sessions = (
      await inParallel(users, 2, async (user, u) =>
        inParallel(Array.from({ length: SESSIONS_PER_USER }), 8, async () => {
          const res = await call(`${stack.auth.url}/api/users/signin`, {
            body: { email: user.email, password: PASSWORD },
          });
          if (res.status !== 200) throw new Error(`sign-in: ${res.status}`);
          return { user: u, cookie: sessionCookieFrom(res) };
        }),
      )
    ).flat();
    const opened = await inParallel(sessions, 64, async (s) => ({
      ...s,
      stream: await openEventStream(`${tickets}/api/tickets/live`, s.cookie),
    }));
    const controls = await inParallel(Array.from({ length: 20 }), 8, () =>
      openEventStream(`${tickets}/api/tickets/live`, control.cookie),
    );
    streams.push(...opened.map((o) => o.stream), ...controls);
    expect(opened.every((o) => o.stream.status === 200) && controls.every((c) => c.status === 200)).toBe(true);
    await waitFor(async () => (await metric(tickets, 'authbus_watches_open')) === opened.length + controls.length, {
      description: 'every stream to be watched',
    });

    // Half the users sign out everywhere; every session of the other half signs out on its own.
    const answeredAt = new Map<string, number>();
    const everywhere = users.slice(0, USERS / 2);
    await inParallel(everywhere, 5, async (user) => {
      const res = await call(`${stack.auth.url}/api/users/signout-all`, { method: 'POST', cookie: user.cookie });
      expect(res.status).toBe(200);
      answeredAt.set(`user:${user.id}`, Date.now());
    });
    const separately = opened.filter((o) => o.user >= USERS / 2);
    await inParallel(separately, 16, async (o) => {
      const res = await call(`${stack.auth.url}/api/users/signout`, { method: 'POST', cookie: o.cookie });
      expect(res.status).toBe(200);
      answeredAt.set(o.cookie, Date.now());
    });

    const endedAt = await Promise.all(opened.map((o) => o.stream.ended));
    const lateness = opened.map((o, i) => {
      const answered = answeredAt.get(o.cookie) ?? answeredAt.get(`user:${users[o.user]!.id}`)!;
      return endedAt[i]! - answered;
    });
    const withRevoked = opened.filter((o) => o.stream.events.at(-1)?.event === 'revoked').length;
    expect(withRevoked).toBe(opened.length);
    const stillOpen = controls.filter((c) => !c.events.some((e) => e.event === 'revoked')).length;
    expect(stillOpen).toBe(controls.length);
    expect(await metric(tickets, 'authbus_watches_ended_total{reason="revoked"}')).toBe(opened.length);
    expect(stack.tickets[0]!.exits).toEqual([]);
    expect(claimsOfCookie(control.cookie).sub).toBe(control.id);

    const sorted = [...lateness].sort((a, b) => a - b);
    recordReliability({
      kind: 'fault',
      scenario: 'Open streams of revoked sessions',
      done: `${opened.length} live streams (server-sent events) of ${USERS} users on one tickets replica, plus ${controls.length} of another user; ${everywhere.length} users sign out everywhere, every session of the other ${USERS - everywhere.length} signs out on its own`,
      checked:
        'every stream of a revoked session ends with event: revoked (authbus_watches_ended_total{reason="revoked"} counts each once); the other user’s streams stay open; nothing crashed',
      figures: `ended with revoked: ${withRevoked} of ${opened.length}; still open (not revoked): ${stillOpen} of ${controls.length}; stream end after the revocation's answer: median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms`,
    });
  }, 120_000);
});
