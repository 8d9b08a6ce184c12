import type { AnyEventEnvelope } from '@authbus/common';
import type { OutboxRecord, SessionRecord, SigningKeyRecord, UserRecord } from './records';

/** A state change the store applies together with its events, in one atomic write. */
export type StateChange =
  | { kind: 'user-created'; user: UserRecord }
  | { kind: 'session-revoked'; sessionId: string; reason: string }
  | {
      kind: 'user-sessions-revoked';
      userId: string;
      reason: string;
      /** Present when this is a ban. */
      ban?: { reason: string };
    }
  | { kind: 'user-unbanned'; userId: string }
  /** A service credential is refused from now on (`auth.service.revoked`). */
  | { kind: 'credential-revoked'; service: string; credential: string; reason: string }
  /**
   * A revocation decided elsewhere (an identity provider's back-channel logout): nothing of ours
   * changes, only its events are written to the outbox, so they are published like every other.
   */
  | { kind: 'external-revocation'; source: string };

/**
 * What the store read and decided while applying a change, in the same atomic step as the write:
 * an event built from it cannot miss a token issued concurrently (a sign-in or refresh either
 * committed before, and is seen here, or finds its session revoked and hands out nothing).
 */
export interface AppliedChange {
  /** The store's clock when the change was applied. */
  at: Date;
  /** `user-sessions-revoked`: the user's token generation after the change; lower ones are refused. */
  generation?: number;
  /** `session-revoked`: the session as it was when it was revoked; absent when unknown or already revoked. */
  revoked?: SessionRecord;
}

/** The events of a change, built from what the store applied (or given up front when nothing is decided there). */
export type ChangeEvents = readonly AnyEventEnvelope[] | ((applied: AppliedChange) => readonly AnyEventEnvelope[]);

/** Thrown by `commit` for a `user-created` change whose email exists. */
export class EmailTakenError extends Error {
  constructor() {
    super('Email in use');
    this.name = 'EmailTakenError';
  }
}

/** Outcome of a refresh rotation attempt. */
export type RotateResult =
  { rotated: true; session: SessionRecord } | { rotated: false; session: SessionRecord | undefined };

/**
 * The auth service's storage port. Every adapter (memory, mongo) passes the same contract tests.
 * State changes that publish events go through `commit`, which writes the change and appends the
 * events to the outbox atomically: a change is never stored without its event, nor the reverse.
 * A change that ends sessions also ends them for every later compare-and-set (`rotateSession`,
 * `extendSession`), so a token is only handed out for a session that was live when it was issued.
 */
export interface AuthStore {
  readonly kind: 'memory' | 'mongo';

  commit(change: StateChange, events: ChangeEvents): Promise<AppliedChange>;

  findUserByEmail(email: string): Promise<UserRecord | undefined>;
  findUserById(id: string): Promise<UserRecord | undefined>;
  listUsers(options: { limit: number; offset: number }): Promise<{ users: UserRecord[]; total: number }>;

  createSession(session: SessionRecord): Promise<void>;
  findSession(id: string): Promise<SessionRecord | undefined>;
  /**
   * Compare-and-set for refresh: if the session is live and its current jti is `fromJti`, make
   * `toJti` current (keeping `fromJti` as previous) and raise `lastExp`. Concurrent refreshes of
   * one token: exactly one rotates.
   */
  rotateSession(id: string, fromJti: string, toJti: string, lastExp: number, at: Date): Promise<RotateResult>;
  /**
   * Raise `lastExp` of a live session (a token was issued for it). Returns false when the session
   * is gone or revoked: the caller must not hand out the token.
   */
  extendSession(id: string, lastExp: number): Promise<boolean>;

  /** Whether `credential` of `service` was revoked (a `credential-revoked` change). */
  isCredentialRevoked(service: string, credential: string): Promise<boolean>;

  /** Unpublished events due by `now`, oldest first. */
  duePending(now: Date, limit: number): Promise<OutboxRecord[]>;
  /**
   * Mark an event published, unless the store was re-queued since `record` was read (its
   * `requeues` changed): then it stays pending, to be published on the new stream. Returns whether
   * it was marked.
   */
  markPublished(record: Pick<OutboxRecord, 'id' | 'requeues'>, at: Date): Promise<boolean>;
  markFailed(id: string, error: string, nextAttemptAt: Date): Promise<void>;
  /**
   * Make every published revocation whose `until` is at or after `horizonSeconds` pending again,
   * after the stream lost them (it was deleted, or NATS lost its store); returns how many. Every
   * pending event's `requeues` is raised too, so a publish in flight to the lost stream is not
   * marked published.
   */
  requeuePublished(horizonSeconds: number): Promise<number>;
  /** How many events are waiting, and the age of the oldest. */
  backlog(): Promise<{ count: number; oldestCreatedAt: Date | undefined }>;

  /** Every signing key record (rotated keys, withdrawn configured ones), oldest first. */
  listKeys(): Promise<SigningKeyRecord[]>;
  /** Insert or replace the record of `record.kid`. */
  saveKey(record: SigningKeyRecord): Promise<void>;

  /** Throws when the store is unreachable (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
