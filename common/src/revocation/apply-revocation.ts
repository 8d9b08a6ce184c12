import type { AnyEventEnvelope } from '../events/auth-event';
import { Subjects } from '../events/subjects';
import type { RevocationSet } from './revocation-set';

/**
 * Apply one validated event to a set. Returns `true` when it is a revocation that still matters
 * (whether or not the set already had it), `false` for other events and for revocations whose
 * `until` is before `horizonSeconds` (replayed history: every token they refuse has expired).
 * Pass now minus the verifiers' clock tolerance: a token is accepted until `exp` + tolerance.
 */
export function applyRevocation(set: RevocationSet, envelope: AnyEventEnvelope, horizonSeconds: number): boolean {
  switch (envelope.subject) {
    case Subjects.SessionRevoked:
      if (envelope.data.until < horizonSeconds) return false;
      set.revokeSession(envelope.data.sid, envelope.data.until);
      return true;
    case Subjects.UserBanned:
    case Subjects.UserSessionsRevoked:
      if (envelope.data.until < horizonSeconds) return false;
      set.revokeUser(envelope.data.sub, envelope.data.belowGeneration, envelope.data.until);
      return true;
    case Subjects.ServiceRevoked:
      if (envelope.data.until < horizonSeconds) return false;
      set.revokeCredential(envelope.data.service, envelope.data.credential, envelope.data.until);
      return true;
    case Subjects.UserUnbanned:
    case Subjects.UserCreated:
    case Subjects.KeySetUpdated:
      return false;
  }
}
