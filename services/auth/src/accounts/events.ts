import {
  Subjects,
  type EventEnvelope,
  type SessionRevokedEvent,
  type UserBannedEvent,
  type UserCreatedEvent,
  type UserSessionsRevokedEvent,
  type UserUnbannedEvent,
} from '@authbus/common';
import { createEnvelope } from '@authbus/common/issuer';
import type { SessionRecord, UserRecord } from '../store/records';

/** `auth.user.created` for a new user. */
export function userCreated(user: UserRecord): EventEnvelope<UserCreatedEvent> {
  return createEnvelope<UserCreatedEvent>(Subjects.UserCreated, { sub: user.id, email: user.email, roles: user.roles });
}

/** `auth.session.revoked`; `until` is the latest `exp` any token of the session can have. */
export function sessionRevoked(
  session: SessionRecord,
  reason: string,
  at: Date,
  until: number,
): EventEnvelope<SessionRevokedEvent> {
  return createEnvelope<SessionRevokedEvent>(
    Subjects.SessionRevoked,
    { sid: session.id, sub: session.userId, reason, revokedAt: at.toISOString(), until },
    { occurredAt: at },
  );
}

/** `auth.user.banned` or `auth.user.sessions-revoked`: tokens of the user below `belowGeneration` are refused. */
export function userRevoked(
  subject: typeof Subjects.UserBanned | typeof Subjects.UserSessionsRevoked,
  userId: string,
  reason: string,
  belowGeneration: number,
  until: number,
  at: Date,
): EventEnvelope<UserBannedEvent> | EventEnvelope<UserSessionsRevokedEvent> {
  // revokedBefore: for readers of 0.1 (they cut off by iat), while services are upgraded one by one.
  const data = { sub: userId, reason, belowGeneration, until, revokedBefore: Math.floor(at.getTime() / 1000) };
  return subject === Subjects.UserBanned
    ? createEnvelope<UserBannedEvent>(subject, data, { occurredAt: at })
    : createEnvelope<UserSessionsRevokedEvent>(subject, data, { occurredAt: at });
}

/** `auth.user.unbanned`. */
export function userUnbanned(userId: string): EventEnvelope<UserUnbannedEvent> {
  return createEnvelope<UserUnbannedEvent>(Subjects.UserUnbanned, { sub: userId });
}
