import {
  EmailTakenError,
  type AppliedChange,
  type AuthStore,
  type ChangeEvents,
  type RotateResult,
  type StateChange,
} from '../auth-store';
import type { OutboxRecord, SessionRecord, SigningKeyRecord, UserRecord } from '../records';
import { revocationUntil } from '../revocation-until';

/**
 * The embedded store for a local run with no database: everything in process memory, lost on
 * restart. Each method runs without awaiting in between, so a commit is atomic.
 */
export class MemoryStore implements AuthStore {
  readonly kind = 'memory' as const;
  private readonly users = new Map<string, UserRecord>();
  private readonly usersByEmail = new Map<string, string>();
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly outbox = new Map<string, OutboxRecord>();
  private readonly keys = new Map<string, SigningKeyRecord>();
  /** Revoked service credentials, `<service> <credential>`. */
  private readonly revokedCredentials = new Set<string>();
  /** Published revocations that still matter, kept so they can be published again (`requeuePublished`). */
  private readonly published = new Map<string, OutboxRecord>();
  private readonly now: () => number;
  private readonly horizon: (nowMs: number) => number;

  /**
   * `now`: the clock `AppliedChange.at` is read from (the service's clock; tests freeze it).
   * `horizon`: seconds, the `until` before which a revocation refuses nothing any more at `nowMs`
   * (`revocationHorizon`: now − the verifiers' clock tolerance); published revocations are kept
   * until then. By default now − 60 s, beyond any sensible tolerance.
   */
  constructor(options: { now?: () => number; horizon?: (nowMs: number) => number } = {}) {
    this.now = options.now ?? Date.now;
    this.horizon = options.horizon ?? ((nowMs) => Math.floor(nowMs / 1000) - 60);
  }

  /**
   * Decide, build the events, then write: nothing is changed unless every step before the writes
   * succeeded, and no await comes in between, so the commit is atomic.
   */
  async commit(change: StateChange, events: ChangeEvents): Promise<AppliedChange> {
    const applied = this.decide(change, new Date(this.now()));
    const envelopes = typeof events === 'function' ? events(applied) : events;
    this.write(change, applied);
    for (const envelope of envelopes) {
      this.outbox.set(envelope.id, {
        id: envelope.id,
        envelope,
        createdAt: applied.at,
        attempts: 0,
        nextAttemptAt: applied.at,
        requeues: 0,
      });
    }
    return applied;
  }

  /** What the change will do, read from the current state; changes nothing. */
  private decide(change: StateChange, at: Date): AppliedChange {
    switch (change.kind) {
      case 'user-created':
        if (this.usersByEmail.has(change.user.email)) throw new EmailTakenError();
        return { at };
      case 'session-revoked': {
        const session = this.sessions.get(change.sessionId);
        return session && !session.revoked ? { at, revoked: clone(session) } : { at };
      }
      case 'user-sessions-revoked': {
        const user = this.users.get(change.userId);
        return user ? { at, generation: user.generation + 1 } : { at };
      }
      case 'user-unbanned':
      case 'credential-revoked':
      case 'external-revocation':
        return { at };
    }
  }

  private write(change: StateChange, applied: AppliedChange): void {
    switch (change.kind) {
      case 'user-created':
        this.users.set(change.user.id, clone(change.user));
        this.usersByEmail.set(change.user.email, change.user.id);
        return;
      case 'session-revoked':
        if (applied.revoked)
          Object.assign(this.sessions.get(change.sessionId)!, revokedFields(applied.at, change.reason));
        return;
      case 'user-sessions-revoked': {
        const user = this.users.get(change.userId);
        if (!user || applied.generation === undefined) return;
        user.generation = applied.generation;
        if (change.ban) Object.assign(user, { banned: true, banReason: change.ban.reason });
        for (const session of this.sessions.values()) {
          if (session.userId === change.userId && !session.revoked)
            Object.assign(session, revokedFields(applied.at, change.reason));
        }
        return;
      }
      case 'user-unbanned': {
        const user = this.users.get(change.userId);
        if (user) {
          user.banned = false;
          delete user.banReason;
        }
        return;
      }
      case 'credential-revoked':
        this.revokedCredentials.add(`${change.service} ${change.credential}`);
        return;
      case 'external-revocation':
        return;
    }
  }

  async isCredentialRevoked(service: string, credential: string): Promise<boolean> {
    return this.revokedCredentials.has(`${service} ${credential}`);
  }

  async findUserByEmail(email: string): Promise<UserRecord | undefined> {
    const id = this.usersByEmail.get(email);
    return id === undefined ? undefined : this.findUserById(id);
  }

  async findUserById(id: string): Promise<UserRecord | undefined> {
    const user = this.users.get(id);
    return user && clone(user);
  }

  async listUsers(options: { limit: number; offset: number }): Promise<{ users: UserRecord[]; total: number }> {
    const all = [...this.users.values()].sort(
      (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id),
    );
    return { users: all.slice(options.offset, options.offset + options.limit).map(clone), total: all.length };
  }

  async createSession(session: SessionRecord): Promise<void> {
    // Sessions past their absolute lifetime can never be refreshed again: forget them now and then.
    if (this.sessions.size % 1024 === 1023) {
      for (const [id, s] of this.sessions) if (s.expiresAt < session.createdAt) this.sessions.delete(id);
    }
    this.sessions.set(session.id, clone(session));
  }

  async findSession(id: string): Promise<SessionRecord | undefined> {
    const session = this.sessions.get(id);
    return session && clone(session);
  }

  async rotateSession(id: string, fromJti: string, toJti: string, lastExp: number, at: Date): Promise<RotateResult> {
    const session = this.sessions.get(id);
    if (!session || session.revoked || session.currentJti !== fromJti) {
      return { rotated: false, session: session && clone(session) };
    }
    Object.assign(session, {
      previousJti: fromJti,
      currentJti: toJti,
      rotatedAt: at,
      lastExp: Math.max(session.lastExp, lastExp),
    });
    return { rotated: true, session: clone(session) };
  }

  async extendSession(id: string, lastExp: number): Promise<boolean> {
    const session = this.sessions.get(id);
    if (!session || session.revoked) return false;
    session.lastExp = Math.max(session.lastExp, lastExp);
    return true;
  }

  async duePending(now: Date, limit: number): Promise<OutboxRecord[]> {
    const due: OutboxRecord[] = [];
    for (const record of this.outbox.values()) {
      if (record.publishedAt === undefined && record.nextAttemptAt <= now) due.push(clone(record));
    }
    return due.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).slice(0, limit);
  }

  async markPublished(read: Pick<OutboxRecord, 'id' | 'requeues'>, at: Date): Promise<boolean> {
    const record = this.outbox.get(read.id);
    if (!record || record.requeues !== read.requeues) return false;
    this.outbox.delete(read.id);
    // A revocation that still matters is kept until it refuses nothing, in case the stream loses it.
    if (revocationUntil(record.envelope) !== undefined) this.published.set(read.id, { ...record, publishedAt: at });
    this.forgetPublishedBefore(this.horizon(at.getTime()));
    return true;
  }

  async requeuePublished(horizonSeconds: number): Promise<number> {
    const at = new Date(this.now());
    for (const record of this.outbox.values()) record.requeues++;
    let count = 0;
    for (const record of this.published.values()) {
      if ((revocationUntil(record.envelope) ?? 0) < horizonSeconds) continue;
      const { publishedAt: _, ...pending } = record;
      this.outbox.set(record.id, { ...pending, attempts: 0, nextAttemptAt: at, requeues: record.requeues + 1 });
      count++;
    }
    this.published.clear();
    return count;
  }

  /**
   * Drop kept revocations whose `until` has passed, oldest published first, stopping at the first
   * that still matters: `until` is about publish time + token lifetime, so this is nearly exact
   * and never scans the whole map on the publish path.
   */
  private forgetPublishedBefore(horizonSeconds: number): void {
    for (const [id, record] of this.published) {
      if ((revocationUntil(record.envelope) ?? 0) >= horizonSeconds) return;
      this.published.delete(id);
    }
  }

  async markFailed(id: string, error: string, nextAttemptAt: Date): Promise<void> {
    const record = this.outbox.get(id);
    if (record && record.publishedAt === undefined) {
      Object.assign(record, { attempts: record.attempts + 1, lastError: error, nextAttemptAt });
    }
  }

  async backlog(): Promise<{ count: number; oldestCreatedAt: Date | undefined }> {
    let oldest: Date | undefined;
    for (const record of this.outbox.values()) {
      if (oldest === undefined || record.createdAt < oldest) oldest = record.createdAt;
    }
    return { count: this.outbox.size, oldestCreatedAt: oldest };
  }

  async listKeys(): Promise<SigningKeyRecord[]> {
    return [...this.keys.values()].map((k) => ({ ...k }));
  }

  async saveKey(record: SigningKeyRecord): Promise<void> {
    this.keys.set(record.kid, { ...record });
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}

function revokedFields(at: Date, reason: string): Partial<SessionRecord> {
  return { revoked: true, revokedAt: at, revokedReason: reason };
}

function clone<T>(value: T): T {
  return structuredClone(value);
}
