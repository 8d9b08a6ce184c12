import { createEnvelope, Subjects, type UserCreatedEvent } from '@authbus/common';
import { EmailTakenError, type AuthStore } from '../../src/store/auth-store';
import { newId } from '../../src/store/new-id';
import type { SessionRecord, UserRecord } from '../../src/store/records';

function user(email: string): UserRecord {
  return { id: newId(), email, passwordHash: 'scrypt$x', roles: ['user'], banned: false, revokedBefore: 0, createdAt: new Date() };
}

function session(userId: string, id = `sid-${newId()}`): SessionRecord {
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

const created = (u: UserRecord) => createEnvelope<UserCreatedEvent>(Subjects.UserCreated, { sub: u.id, email: u.email, roles: u.roles });

/** The contract every AuthStore adapter must pass. */
export function authStoreContract(name: string, open: () => Promise<AuthStore>, close: (store: AuthStore) => Promise<void>): void {
  describe(`AuthStore contract: ${name}`, () => {
    let store: AuthStore;

    beforeEach(async () => {
      store = await open();
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
      await expect(store.commit({ kind: 'user-created', user: second }, [created(second)])).rejects.toBeInstanceOf(EmailTakenError);
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
      await store.commit({ kind: 'session-revoked', sessionId: s.id, at: new Date(), reason: 'signout' }, [created(u)]);
      expect(await store.findSession(s.id)).toMatchObject({ revoked: true, revokedReason: 'signout' });
      expect((await store.backlog()).count).toBe(1);
    });

    it('revokes every session of a user, raises revokedBefore, bans and unbans', async () => {
      const u = user('b@example.com');
      const other = user('o@example.com');
      await store.commit({ kind: 'user-created', user: u }, []);
      await store.commit({ kind: 'user-created', user: other }, []);
      const [s1, s2, s3] = [session(u.id), session(u.id), session(other.id)];
      for (const s of [s1, s2, s3]) await store.createSession(s!);
      await store.commit({ kind: 'user-sessions-revoked', userId: u.id, revokedBefore: 500, at: new Date(), reason: 'ban', ban: { reason: 'spam' } }, []);
      expect(await store.findUserById(u.id)).toMatchObject({ banned: true, banReason: 'spam', revokedBefore: 500 });
      expect((await store.findSession(s1!.id))!.revoked).toBe(true);
      expect((await store.findSession(s2!.id))!.revoked).toBe(true);
      expect((await store.findSession(s3!.id))!.revoked).toBe(false);
      await store.commit({ kind: 'user-sessions-revoked', userId: u.id, revokedBefore: 100, at: new Date(), reason: 'signout-all' }, []);
      expect((await store.findUserById(u.id))!.revokedBefore).toBe(500);
      await store.commit({ kind: 'user-unbanned', userId: u.id }, []);
      const unbanned = await store.findUserById(u.id);
      expect(unbanned).toMatchObject({ banned: false, revokedBefore: 500 });
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
      await store.commit({ kind: 'session-revoked', sessionId: s.id, at: new Date(), reason: 'signout' }, []);
      expect((await store.rotateSession(s.id, 'jti-1', 'jti-2', 2000, new Date())).rotated).toBe(false);
      expect(await store.extendSession(s.id, 5000)).toBe(false);
    });

    it('hands out due events oldest first, delays failed ones, forgets published ones', async () => {
      const users = ['1@x.io', '2@x.io', '3@x.io'].map(user);
      for (const u of users) await store.commit({ kind: 'user-created', user: u }, [created(u)]);
      const due = await store.duePending(new Date(), 10);
      expect(due.map((r) => r.envelope.data)).toEqual(users.map((u) => expect.objectContaining({ sub: u.id })));
      await store.markFailed(due[0]!.id, 'nats down', new Date(Date.now() + 60_000));
      await store.markPublished(due[1]!.id, new Date());
      const next = await store.duePending(new Date(), 10);
      expect(next.map((r) => r.id)).toEqual([due[2]!.id]);
      const later = await store.duePending(new Date(Date.now() + 120_000), 10);
      expect(later.map((r) => r.id)).toEqual([due[0]!.id, due[2]!.id]);
      expect(later[0]).toMatchObject({ attempts: 1, lastError: 'nats down' });
      expect((await store.backlog()).count).toBe(2);
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
