import { Subjects, type SessionRevokedEvent, type UserCreatedEvent } from '@authbus/common';
import { createEnvelope } from '@authbus/common/issuer';
import { EmailTakenError, type AuthStore } from '../../src/store/auth-store';
import { newId } from '@authbus/service-kit';
import type { SessionRecord, UserRecord } from '../../src/store/records';

export function user(email: string): UserRecord {
  return {
    id: newId(),
    email,
    passwordHash: 'scrypt$x',
    roles: ['user'],
    banned: false,
    generation: 0,
    createdAt: new Date(),
  };
}

export function session(userId: string, id = `sid-${newId()}`): SessionRecord {
  return {
    id,
    userId,
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + 3600_000),
    currentJti: 'jti-1',
    lastExp: 1000,
    revoked: false,
  };
}

const created = (u: UserRecord) =>
  createEnvelope<UserCreatedEvent>(Subjects.UserCreated, { sub: u.id, email: u.email, roles: u.roles });
const revoked = (s: SessionRecord, until: number) =>
  createEnvelope<SessionRevokedEvent>(Subjects.SessionRevoked, {
    sid: s.id,
    sub: s.userId,
    reason: 'signout',
    revokedAt: new Date().toISOString(),
    until,
  });

/** The (frozen, a little in the past) clock the contract gives each store: `AppliedChange.at` must come from it. */
const CLOCK_MS = Math.floor(Date.now() / 1000) * 1000 - 1000;

/** The contract every AuthStore adapter must pass. */
export function authStoreContract(
  name: string,
  open: (now: () => number) => Promise<AuthStore>,
  close: (store: AuthStore) => Promise<void>,
): void {
  describe(`AuthStore contract: ${name}`, () => {
    let store: AuthStore;

    beforeEach(async () => {
      store = await open(() => CLOCK_MS);
    });

    afterEach(async () => {
      await close(store);
    });

    it('creates a user and its event in one commit, and finds the user by email and id', async () => {
      const u = user('ada@example.com');
      const event = created(u);
      await store.commit({ kind: 'user-created', user: u }, [event]);
      expect(await store.findUserByEmail('ada@example.com')).toEqual(u);
      expect(await store.findUserById(u.id)).toEqual(u);
      const due = await store.duePending(new Date(), 10);
      expect(due.map((r) => r.envelope)).toEqual([event]);
      expect(await store.backlog()).toMatchObject({ count: 1 });
    });

    it('refuses a second user with the same email and stores neither the user nor its event', async () => {
      const first = user('dup@example.com');
      await store.commit({ kind: 'user-created', user: first }, [created(first)]);
      const second = user('dup@example.com');
      await expect(store.commit({ kind: 'user-created', user: second }, [created(second)])).rejects.toBeInstanceOf(
        EmailTakenError,
      );
      expect(await store.findUserById(second.id)).toBeUndefined();
      expect((await store.backlog()).count).toBe(1);
    });

    it('returns undefined for unknown and malformed ids', async () => {
      expect(await store.findUserById(newId())).toBeUndefined();
      expect(await store.findUserById('not-an-id')).toBeUndefined();
      expect(await store.findSession('nope')).toBeUndefined();
    });

    it('lists users oldest first with a total', async () => {
      for (const email of ['a@x.io', 'b@x.io', 'c@x.io']) {
        const u = { ...user(email), createdAt: new Date(Date.now() + email.charCodeAt(0)) };
        await store.commit({ kind: 'user-created', user: u }, []);
      }
      const page = await store.listUsers({ limit: 2, offset: 1 });
      expect(page.total).toBe(3);
      expect(page.users.map((u) => u.email)).toEqual(['b@x.io', 'c@x.io']);
    });

    it('revokes one session with its event', async () => {
      const u = user('s@example.com');
      await store.commit({ kind: 'user-created', user: u }, []);
      const s = session(u.id);
      await store.createSession(s);
      const applied = await store.commit({ kind: 'session-revoked', sessionId: s.id, reason: 'signout' }, (a) =>
        a.revoked ? [revoked(a.revoked, a.revoked.lastExp)] : [],
      );
      expect(applied.at.getTime()).toBe(CLOCK_MS);
      // The session as it was when it was revoked: its lastExp is what the event must cover.
      expect(applied.revoked).toMatchObject({ id: s.id, lastExp: 1000, revoked: false });
      expect(await store.findSession(s.id)).toMatchObject({
        revoked: true,
        revokedReason: 'signout',
        revokedAt: new Date(CLOCK_MS),
      });
      const due = await store.duePending(new Date(CLOCK_MS), 10);
      expect(due.map((r) => r.envelope.data)).toEqual([expect.objectContaining({ sid: s.id, until: 1000 })]);
      // Revoking it again decides nothing: the builder sees no session, and stores no event.
      const again = await store.commit({ kind: 'session-revoked', sessionId: s.id, reason: 'signout' }, (a) =>
        a.revoked ? [revoked(a.revoked, 1)] : [],
      );
      expect(again.revoked).toBeUndefined();
      expect((await store.backlog()).count).toBe(1);
    });

    it('stores a revocation decided elsewhere (an identity provider’s logout) as its events only', async () => {
      const u = user('idp@example.com');
      await store.commit({ kind: 'user-created', user: u }, []);
      const s = session(u.id, 'oidc:idp-session');
      const applied = await store.commit({ kind: 'external-revocation', source: 'https://idp.example.com' }, [
        revoked(s, 2000),
      ]);
      expect(applied.at.getTime()).toBe(CLOCK_MS);
      const due = await store.duePending(new Date(CLOCK_MS), 10);
      expect(due.map((r) => r.envelope.data)).toEqual([
        expect.objectContaining({ sid: 'oidc:idp-session', until: 2000 }),
      ]);
      expect(await store.findUserById(u.id)).toMatchObject({ generation: 0, banned: false });
      expect(await store.findSession('oidc:idp-session')).toBeUndefined();
    });

    it('revokes every session of a user, raises its token generation by one each time, bans and unbans', async () => {
      const u = user('b@example.com');
      const other = user('o@example.com');
      await store.commit({ kind: 'user-created', user: u }, []);
      await store.commit({ kind: 'user-created', user: other }, []);
      const [s1, s2, s3] = [session(u.id), session(u.id), session(other.id)];
      for (const s of [s1, s2, s3]) await store.createSession(s);
      const seen: Array<number | undefined> = [];
      const first = await store.commit(
        { kind: 'user-sessions-revoked', userId: u.id, reason: 'ban', ban: { reason: 'spam' } },
        (a) => {
          seen.push(a.generation);
          return [];
        },
      );
      expect(first.generation).toBe(1);
      expect(seen.at(-1)).toBe(1);
      expect(await store.findUserById(u.id)).toMatchObject({ banned: true, banReason: 'spam', generation: 1 });
      expect((await store.findSession(s1.id))!.revoked).toBe(true);
      expect((await store.findSession(s2.id))!.revoked).toBe(true);
      expect((await store.findSession(s3.id))!.revoked).toBe(false);
      expect(
        (await store.commit({ kind: 'user-sessions-revoked', userId: u.id, reason: 'signout-all' }, [])).generation,
      ).toBe(2);
      expect((await store.findUserById(u.id))!.generation).toBe(2);
      expect((await store.findUserById(other.id))!.generation).toBe(0);
      expect(
        (await store.commit({ kind: 'user-sessions-revoked', userId: newId(), reason: 'signout-all' }, [])).generation,
      ).toBeUndefined();
      await store.commit({ kind: 'user-unbanned', userId: u.id }, []);
      const unbanned = await store.findUserById(u.id);
      expect(unbanned).toMatchObject({ banned: false, generation: 2 });
      expect(unbanned!.banReason).toBeUndefined();
    });

    it('rotates a session only from its current jti, once', async () => {
      const u = user('r@example.com');
      await store.commit({ kind: 'user-created', user: u }, []);
      const s = session(u.id);
      await store.createSession(s);
      const at = new Date();
      const [a, b] = await Promise.all([
        store.rotateSession(s.id, 'jti-1', 'jti-2', 2000, at),
        store.rotateSession(s.id, 'jti-1', 'jti-3', 2000, at),
      ]);
      expect([a.rotated, b.rotated].filter(Boolean)).toHaveLength(1);
      const after = (await store.findSession(s.id))!;
      expect(after.previousJti).toBe('jti-1');
      expect(['jti-2', 'jti-3']).toContain(after.currentJti);
      expect(after.lastExp).toBe(2000);
      expect((await store.rotateSession(s.id, 'jti-1', 'jti-4', 3000, at)).rotated).toBe(false);
      expect(await store.extendSession(s.id, 2500)).toBe(true);
      expect(await store.extendSession(s.id, 100)).toBe(true);
      expect((await store.findSession(s.id))!.lastExp).toBe(2500);
      expect(await store.extendSession('no-such-session', 100)).toBe(false);
    });

    it('does not rotate or extend a revoked session', async () => {
      const u = user('rv@example.com');
      await store.commit({ kind: 'user-created', user: u }, []);
      const s = session(u.id);
      await store.createSession(s);
      await store.commit({ kind: 'session-revoked', sessionId: s.id, reason: 'signout' }, []);
      expect((await store.rotateSession(s.id, 'jti-1', 'jti-2', 2000, new Date())).rotated).toBe(false);
      expect(await store.extendSession(s.id, 5000)).toBe(false);
    });

    it('hands out due events oldest first, delays failed ones, forgets published ones', async () => {
      const users = ['1@x.io', '2@x.io', '3@x.io'].map(user);
      for (const u of users) await store.commit({ kind: 'user-created', user: u }, [created(u)]);
      const due = await store.duePending(new Date(), 10);
      expect(due.map((r) => r.envelope.data)).toEqual(users.map((u) => expect.objectContaining({ sub: u.id })));
      await store.markFailed(due[0]!.id, 'nats down', new Date(Date.now() + 60_000));
      expect(await store.markPublished(due[1]!, new Date())).toBe(true);
      const next = await store.duePending(new Date(), 10);
      expect(next.map((r) => r.id)).toEqual([due[2]!.id]);
      const later = await store.duePending(new Date(Date.now() + 120_000), 10);
      expect(later.map((r) => r.id)).toEqual([due[0]!.id, due[2]!.id]);
      expect(later[0]).toMatchObject({ attempts: 1, lastError: 'nats down' });
      expect((await store.backlog()).count).toBe(2);
    });

    it('a sign-out everywhere ends a session for every later compare-and-set', async () => {
      const u = user('cas@example.com');
      await store.commit({ kind: 'user-created', user: u }, []);
      const s = session(u.id);
      await store.createSession(s);
      await store.commit({ kind: 'user-sessions-revoked', userId: u.id, reason: 'signout-all' }, []);
      expect(await store.extendSession(s.id, 5000)).toBe(false);
      expect((await store.rotateSession(s.id, 'jti-1', 'jti-2', 5000, new Date())).rotated).toBe(false);
    });

    it('a revocation and a concurrent extend or rotate are atomic: what was handed out is what the revocation saw', async () => {
      const u = user('race@example.com');
      await store.commit({ kind: 'user-created', user: u }, []);
      for (let i = 0; i < 20; i++) {
        const s = session(u.id);
        await store.createSession(s);
        const exp = 5000 + i;
        let seen: number | undefined;
        const [, extended, rotated] = await Promise.all([
          store.commit({ kind: 'session-revoked', sessionId: s.id, reason: 'signout' }, (a) => {
            seen = a.revoked?.lastExp;
            return [];
          }),
          store.extendSession(s.id, exp),
          store.rotateSession(s.id, 'jti-1', 'jti-2', exp + 1, new Date()),
        ]);
        // A token may leave only if the revocation saw its exp (it then covers it), or came first.
        if (extended) expect(seen).toBeGreaterThanOrEqual(exp);
        if (rotated.rotated) expect(seen).toBeGreaterThanOrEqual(exp + 1);
        expect((await store.findSession(s.id))!.revoked).toBe(true);
        // Concurrent cut-offs each raise the generation by exactly one.
        const cuts = await Promise.all(
          [1, 2].map(() => store.commit({ kind: 'user-sessions-revoked', userId: u.id, reason: 'signout-all' }, [])),
        );
        expect(cuts.map((c) => c.generation).sort((a, b) => a! - b!)).toEqual([2 * i + 1, 2 * i + 2]);
      }
    });

    it('publishes again, on request, the published revocations that still matter', async () => {
      const u = user('requeue@example.com');
      await store.commit({ kind: 'user-created', user: u }, [created(u)]);
      const [live, old] = [session(u.id), session(u.id)];
      await store.commit({ kind: 'user-created', user: user('x@example.com') }, []);
      const nowSeconds = CLOCK_MS / 1000;
      const liveEvent = revoked(live, nowSeconds + 600);
      const oldEvent = revoked(old, nowSeconds - 600);
      await store.commit({ kind: 'user-unbanned', userId: u.id }, [liveEvent, oldEvent]);
      for (const record of await store.duePending(new Date(CLOCK_MS), 10))
        await store.markPublished(record, new Date(CLOCK_MS));
      expect((await store.backlog()).count).toBe(0);
      expect(await store.requeuePublished(nowSeconds)).toBe(1);
      const due = await store.duePending(new Date(CLOCK_MS), 10);
      expect(due.map((r) => r.id)).toEqual([liveEvent.id]);
      expect(due[0]).toMatchObject({ attempts: 0 });
    });

    it('does not mark published an event read before a requeue: its publish went to the lost stream', async () => {
      const u = user('inflight@example.com');
      await store.commit({ kind: 'user-created', user: u }, []);
      const nowSeconds = CLOCK_MS / 1000;
      const done = revoked(session(u.id), nowSeconds + 600);
      const inFlight = revoked(session(u.id), nowSeconds + 600);
      await store.commit({ kind: 'user-unbanned', userId: u.id }, [done, inFlight]);
      const read = await store.duePending(new Date(CLOCK_MS), 10);
      const [first, second] = [read.find((r) => r.id === done.id)!, read.find((r) => r.id === inFlight.id)!];
      expect(await store.markPublished(first, new Date(CLOCK_MS))).toBe(true);
      // The stream is lost while `second` is being published to it.
      expect(await store.requeuePublished(nowSeconds)).toBe(1);
      expect(await store.markPublished(second, new Date(CLOCK_MS))).toBe(false);
      const due = await store.duePending(new Date(CLOCK_MS), 10);
      expect(due.map((r) => r.id).sort()).toEqual([done.id, inFlight.id].sort());
      // Read again, they can be marked.
      for (const record of due) expect(await store.markPublished(record, new Date(CLOCK_MS))).toBe(true);
      expect((await store.backlog()).count).toBe(0);
    });

    it('keeps a published revocation for re-publishing until it refuses nothing, not only until its until', async () => {
      const u = user('kept@example.com');
      await store.commit({ kind: 'user-created', user: u }, []);
      const nowSeconds = CLOCK_MS / 1000;
      // Its `until` has just passed, but a verifier still accepts a token up to the tolerance past exp.
      const justPast = revoked(session(u.id), nowSeconds - 2);
      await store.commit({ kind: 'user-unbanned', userId: u.id }, [justPast]);
      for (const record of await store.duePending(new Date(CLOCK_MS), 10))
        await store.markPublished(record, new Date(CLOCK_MS));
      expect(await store.requeuePublished(nowSeconds - 5)).toBe(1);
    });

    it('saves signing key records by kid: a save replaces the record, list returns them oldest first', async () => {
      const first = {
        kid: `k-${newId()}`,
        alg: 'ES256' as const,
        source: 'rotation' as const,
        sealedPrivateKey: 'v1.a.b.c',
        createdAt: new Date(Date.now() - 1000),
        activatesAt: new Date(),
      };
      const second = {
        kid: `k-${newId()}`,
        alg: 'HS256' as const,
        source: 'environment' as const,
        createdAt: new Date(),
        withdrawnAt: new Date(),
      };
      await store.saveKey(first);
      await store.saveKey(second);
      const retiresAt = new Date(Date.now() + 60_000);
      await store.saveKey({ ...first, deactivatedAt: new Date(), retiresAt });
      const mine = (await store.listKeys()).filter((k) => k.kid === first.kid || k.kid === second.kid);
      expect(mine.map((k) => k.kid)).toEqual([first.kid, second.kid]);
      expect(mine[0]).toMatchObject({ sealedPrivateKey: 'v1.a.b.c', retiresAt });
      expect(mine[1]).toMatchObject({ source: 'environment', withdrawnAt: second.withdrawnAt });
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
