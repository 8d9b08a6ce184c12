import type { AnyEventEnvelope } from '../events/auth-event';
import { Subjects } from '../events/subjects';
import type { RevocationSet } from './revocation-set';

/**
 * Apply one validated event to a set. Returns `true` when it is a revocation that still matters
 * (whether or not the set already had it), `false` for other events and for revocations whose
 * `until` has passed (replayed history: every token they refuse has expired anyway).
 */
export function applyRevocation(set: RevocationSet, envelope: AnyEventEnvelope, nowSeconds: number): boolean {
  switch (envelope.subject) {
    case Subjects.SessionRevoked:
      if (envelope.data.until < nowSeconds) return false;
      set.revokeSession(envelope.data.sid, envelope.data.until);
      return true;
    case Subjects.UserBanned:
    case Subjects.UserSessionsRevoked:
      if (envelope.data.until < nowSeconds) return false;
      set.revokeUser(envelope.data.sub, envelope.data.revokedBefore, envelope.data.until);
      return true;
    case Subjects.UserUnbanned:
    case Subjects.UserCreated:
      return false;
  }
}
