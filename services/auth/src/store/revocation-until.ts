import { Subjects, type AnyEventEnvelope } from '@authbus/common';

/** Until when (seconds) an event matters to revocation sets; `undefined` for events that revoke nothing. */
export function revocationUntil(envelope: AnyEventEnvelope): number | undefined {
  switch (envelope.subject) {
    case Subjects.SessionRevoked:
    case Subjects.UserBanned:
    case Subjects.UserSessionsRevoked:
    case Subjects.ServiceRevoked:
      return envelope.data.until;
    default:
      return undefined;
  }
}
