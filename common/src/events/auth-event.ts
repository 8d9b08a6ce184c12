import type { KeySetUpdatedEvent } from './key-set-updated-event';
import type { ServiceRevokedEvent } from './service-revoked-event';
import type { SessionRevokedEvent } from './session-revoked-event';
import type { Subject } from './subjects';
import type { UserBannedEvent } from './user-banned-event';
import type { UserCreatedEvent } from './user-created-event';
import type { UserSessionsRevokedEvent } from './user-sessions-revoked-event';
import type { UserUnbannedEvent } from './user-unbanned-event';

/** Every event of the `AUTH` stream. */
export type AuthEvent =
  | SessionRevokedEvent
  | UserBannedEvent
  | UserSessionsRevokedEvent
  | UserUnbannedEvent
  | UserCreatedEvent
  | KeySetUpdatedEvent
  | ServiceRevokedEvent;

/** The events that change revocation sets. */
export type RevocationEvent = SessionRevokedEvent | UserBannedEvent | UserSessionsRevokedEvent | ServiceRevokedEvent;

/** The event whose subject is `S`. */
export type EventOf<S extends Subject> = Extract<AuthEvent, { subject: S }>;

/** What travels on the wire: `{ id, subject, version: 1, occurredAt, data }`; `id` is also the `Nats-Msg-Id`. */
export interface EventEnvelope<E extends AuthEvent = AuthEvent> {
  /** UUID; also the `Nats-Msg-Id`, so the stream drops a re-published copy. */
  id: string;
  subject: E['subject'];
  version: 1;
  /** ISO 8601. */
  occurredAt: string;
  data: E['data'];
}

/** An envelope of any auth event, narrowed by `subject`. */
export type AnyEventEnvelope = { [S in Subject]: EventEnvelope<EventOf<S>> }[Subject];
