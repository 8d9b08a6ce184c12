import type { AnyEventEnvelope } from '@authbus/common';
import type { OutboxRecord, SessionRecord, UserRecord } from './records';

/** A state change the store applies together with its events, in one atomic write. */
export type StateChange =
  | { kind: 'user-created'; user: UserRecord }
  | { kind: 'session-revoked'; sessionId: string; at: Date; reason: string }
  | {
      kind: 'user-sessions-revoked';
      userId: string;
      /** Seconds: tokens issued at or before are refused. */
      revokedBefore: number;
      at: Date;
      reason: string;
      /** Present when this is a ban. */
      ban?: { reason: string };
    }
  | { kind: 'user-unbanned'; userId: string };

/** Thrown by `commit` for a `user-created` change whose email exists. */
export class EmailTakenError extends Error {
  constructor() {
    super('Email in use');
    this.name = 'EmailTakenError';
  }
}

/** Outcome of a refresh rotation attempt. */
export type RotateResult = { rotated: true; session: SessionRecord } | { rotated: false; session: SessionRecord | undefined };

/**
 * The auth service's storage port. Every adapter (memory, mongo) passes the same contract tests.
 * State changes that publish events go through `commit`, which writes the change and appends the
 * events to the outbox atomically: a change is never stored without its event, nor the reverse.
 */
export interface AuthStore {
  readonly kind: 'memory' | 'mongo';

  commit(change: StateChange, events: readonly AnyEventEnvelope[]): Promise<void>;

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

  /** Unpublished events due by `now`, oldest first. */
  duePending(now: Date, limit: number): Promise<OutboxRecord[]>;
  markPublished(id: string, at: Date): Promise<void>;
  markFailed(id: string, error: string, nextAttemptAt: Date): Promise<void>;
  /** How many events are waiting, and the age of the oldest. */
  backlog(): Promise<{ count: number; oldestCreatedAt: Date | undefined }>;

  /** Throws when the store is unreachable (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
