import request from 'supertest';
import { createAuthKit, readSessionToken, Subjects, type AuthKit } from '@authbus/common';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { recordReliability } from '@authbus/test-support';
import { HeldCommitStore } from '../support/held-commit-store';
import { ADMIN_EMAIL, PASSWORD, startTestAuth, type TestAuth } from '../support/test-auth';
import { claimsOfCookie } from '@authbus/common/testing';

const TTL_SECONDS = 60;
const cookieOf = (res: request.Response): string =>
  (res.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
const expOf = (cookie: string): number => claimsOfCookie(cookie).exp;

/**
 * A ban, a sign-out everywhere or a sign-out whose commit is slow (a MongoDB transaction) races a
 * sign-in or a refresh that reads the user or session before the commit lands. A token issued in
 * that window is either refused by the revocation everywhere, or never handed out.
 */
describe('cut-offs racing sign-in and refresh (slow commit)', () => {
  let auth: TestAuth;
  let held: HeldCommitStore;
  let admin: string;
  const kits: AuthKit[] = [];
  /** What each race ended in, for the reliability report. */
  const outcomes: string[] = [];

  beforeAll(async () => {
    held = new HeldCommitStore(new MemoryStore());
    auth = await startTestAuth({
      store: held.store,
      env: { ACCESS_TOKEN_TTL: `${TTL_SECONDS}s`, SIGNIN_LIMIT_PER_IP: '100000' },
    });
    admin = (await auth.signup(ADMIN_EMAIL)).cookie;
  });

  afterAll(async () => {
    for (const kit of kits) await kit.close();
    await auth.stop();
  });

  /** What a replica that starts now (replaying the stream) says of a cookie. */
  async function lateReplicaVerdict(cookie: string): Promise<string> {
    const kit = createAuthKit({
      keyRing: auth.service.ctx.keyRing,
      nats: { servers: auth.server.url },
      token: { ...auth.service.ctx.config.kit.token, now: auth.clock.now },
      revocation: { syncIntervalMs: 100 },
    });
    kits.push(kit);
    await kit.whenReady();
    return verdictOf(kit, cookie);
  }

  function verdictOf(kit: Pick<AuthKit, 'authenticate'>, cookie: string): string {
    try {
      kit.authenticate(readSessionToken(cookie)!);
      return 'accepted';
    } catch (err) {
      return (err as { code: string }).code;
    }
  }

  /** Run `during` while the next commit of `kind` is held, with the clock a second later (the commit took long). */
  async function whileHeld<T>(
    kind: 'user-sessions-revoked' | 'session-revoked',
    start: () => PromiseLike<request.Response>,
    during: () => PromiseLike<T>,
  ): Promise<{ revocation: request.Response; result: T }> {
    const hold = held.holdNext(kind);
    // supertest sends a request only once it is awaited: start it now.
    const revocation = Promise.resolve(start());
    await hold.reached;
    auth.clock.advance(1);
    const result = await during();
    hold.release();
    return { revocation: await revocation, result };
  }

  const signin = (email: string) =>
    request(auth.service.app).post('/api/users/signin').send({ email, password: PASSWORD });
  const refresh = (cookie: string) => request(auth.service.app).post('/api/users/refresh').set('Cookie', cookie);

  it('a sign-in that reads the user before a slow ban commits gets no token that outlives the ban', async () => {
    const user = await auth.signup('ban-vs-signin@example.com');
    const { revocation, result } = await whileHeld(
      'user-sessions-revoked',
      () => request(auth.service.app).post(`/api/users/${user.id}/ban`).set('Cookie', admin).send({}),
      () => signin('ban-vs-signin@example.com'),
    );
    expect(revocation.status).toBe(200);
    if (result.status === 200) {
      const cookie = cookieOf(result);
      expect(verdictOf(auth.service.kit, cookie)).toBe('ERR_TOKEN_REVOKED');
      expect(await lateReplicaVerdict(cookie)).toBe('ERR_TOKEN_REVOKED');
      outcomes.push('sign-in vs ban: token issued, refused here and by a late replica');
    } else {
      expect(result.status).toBe(403);
      outcomes.push('sign-in vs ban: 403, no token');
    }
  });

  it('a refresh that reads the session before a slow ban commits gets no token that outlives the ban', async () => {
    const user = await auth.signup('ban-vs-refresh@example.com');
    const { result } = await whileHeld(
      'user-sessions-revoked',
      () => request(auth.service.app).post(`/api/users/${user.id}/ban`).set('Cookie', admin).send({}),
      () => refresh(user.cookie),
    );
    if (result.status === 200) {
      const cookie = cookieOf(result);
      expect(verdictOf(auth.service.kit, cookie)).toBe('ERR_TOKEN_REVOKED');
      expect(await lateReplicaVerdict(cookie)).toBe('ERR_TOKEN_REVOKED');
      outcomes.push('refresh vs ban: token issued, refused here and by a late replica');
    } else {
      expect([401, 403]).toContain(result.status);
      outcomes.push(`refresh vs ban: ${result.status}, no token`);
    }
  });

  it('a refresh racing a slow sign-out everywhere gets no token that outlives it', async () => {
    const user = await auth.signup('all-vs-refresh@example.com');
    const { revocation, result } = await whileHeld(
      'user-sessions-revoked',
      () => request(auth.service.app).post('/api/users/signout-all').set('Cookie', user.cookie),
      () => refresh(user.cookie),
    );
    expect(revocation.status).toBe(200);
    if (result.status === 200) {
      const cookie = cookieOf(result);
      expect(verdictOf(auth.service.kit, cookie)).toBe('ERR_TOKEN_REVOKED');
      expect(await lateReplicaVerdict(cookie)).toBe('ERR_TOKEN_REVOKED');
      outcomes.push('refresh vs sign-out everywhere: token issued, refused here and by a late replica');
    } else {
      expect(result.status).toBe(401);
      outcomes.push('refresh vs sign-out everywhere: 401, no token');
    }
  });

  it('a refresh racing a slow sign-out: the revocation lasts as long as the refreshed token', async () => {
    const user = await auth.signup('out-vs-refresh@example.com');
    const { revocation, result } = await whileHeld(
      'session-revoked',
      () => request(auth.service.app).post('/api/users/signout').set('Cookie', user.cookie),
      () => refresh(user.cookie),
    );
    expect(revocation.status).toBe(200);
    if (result.status !== 200) {
      expect(result.status).toBe(401);
      outcomes.push('refresh vs sign-out: 401, no token');
      return;
    }
    const cookie = cookieOf(result);
    const event = await auth.waitForEvent(
      (e) => e.subject === Subjects.SessionRevoked && e.data.sub === user.id,
      'the sign-out event',
    );
    // Refused now, and for as long as the refreshed token could be accepted.
    expect(verdictOf(auth.service.kit, cookie)).toBe('ERR_TOKEN_REVOKED');
    const until = (event.data as { until: number }).until;
    expect(until).toBeGreaterThanOrEqual(expOf(cookie));
    outcomes.push(
      `refresh vs sign-out: token issued, refused; the revocation lasts ${until - expOf(cookie)} s past its exp`,
    );
  });

  it('records what each race ended in', () => {
    expect(outcomes).toHaveLength(4);
    recordReliability({
      kind: 'attack',
      scenario: 'Cut-offs racing sign-in and refresh',
      done: 'a ban, a sign-out everywhere and a sign-out whose commit is held (a slow MongoDB transaction) while the clock moves a second; meanwhile a sign-in or a refresh of the same user or session',
      checked:
        'a token issued in that window is refused by the revocation on this instance and on a replica that starts afterwards (replaying the stream), or none is handed out; the sign-out covers the refreshed token’s exp',
      figures: outcomes.join('; '),
    });
  });
});
