import { Subjects, type AnyEventEnvelope, type JwtKey } from '@authbus/common';
import { SignJWT } from 'jose';

/** CAEP 1.0 event types authbus transmits. */
export const CaepEvents = {
  SessionRevoked: 'https://schemas.openid.net/secevent/caep/event-type/session-revoked',
  CredentialChange: 'https://schemas.openid.net/secevent/caep/event-type/credential-change',
} as const;

/**
 * The `credential_type` of a `credential-change` authbus sends when it cuts a user off (sign-out
 * everywhere, ban): every access token of the user is revoked. CAEP allows a type agreed between
 * transmitter and receiver; this is that type.
 */
export const AUTHBUS_CREDENTIAL_TYPE = 'authbus-access-token';

/** The revocation events that become SETs; the others (`auth.user.created`, `unbanned`) are not sent. */
export type SetSubject =
  typeof Subjects.SessionRevoked | typeof Subjects.UserSessionsRevoked | typeof Subjects.UserBanned;
export const SET_SUBJECTS: readonly SetSubject[] = [
  Subjects.SessionRevoked,
  Subjects.UserSessionsRevoked,
  Subjects.UserBanned,
];

/** Who started a revocation, for CAEP's `initiating_entity`. */
function initiatingEntity(subject: SetSubject, reason: string): 'admin' | 'user' | 'policy' | 'system' {
  if (subject === Subjects.UserBanned || reason === 'admin') return 'admin';
  if (reason === 'signout' || reason === 'signout-all') return 'user';
  if (reason === 'refresh-reuse') return 'policy';
  return 'system'; // e.g. idp-logout: the identity provider's
}

/**
 * The claims of the SET for one authbus revocation (RFC 8417, SSF 1.0, CAEP 1.0): one event per
 * SET; `jti` and `txn` are the authbus event id, so every delivery of the same revocation carries
 * the same `jti` and a receiver drops repeats; `sub_id` at the top level (SSF 1.0): the session and
 * its user (`complex`) for a session, the user (`opaque`) for a cut-off.
 */
export function setClaims(
  envelope: AnyEventEnvelope & { subject: SetSubject },
  issuer: string,
  audience: string,
  nowSeconds: number,
): Record<string, unknown> {
  const eventTimestamp = Math.floor(Date.parse(envelope.occurredAt) / 1000);
  const base = { iss: issuer, aud: audience, iat: nowSeconds, jti: envelope.id, txn: envelope.id };
  const reason = envelope.data.reason;
  const common = {
    event_timestamp: eventTimestamp,
    initiating_entity: initiatingEntity(envelope.subject, reason),
    reason_admin: { en: reason },
  };
  if (envelope.subject === Subjects.SessionRevoked) {
    return {
      ...base,
      sub_id: {
        format: 'complex',
        session: { format: 'opaque', id: envelope.data.sid },
        user: { format: 'opaque', id: envelope.data.sub },
      },
      events: { [CaepEvents.SessionRevoked]: common },
    };
  }
  return {
    ...base,
    sub_id: { format: 'opaque', id: envelope.data.sub },
    events: {
      [CaepEvents.CredentialChange]: {
        ...common,
        credential_type: AUTHBUS_CREDENTIAL_TYPE,
        change_type: 'revoke',
      },
    },
  };
}

/** Sign SET claims with auth's active key (ES256 or RS256), `typ: secevent+jwt` (RFC 8417 §2.3). */
export function signSet(claims: Record<string, unknown>, key: JwtKey): Promise<string> {
  if (!key.signKey || key.alg === 'HS256') throw new Error('SETs need an ES256 or RS256 signing key');
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'secevent+jwt' }).sign(key.signKey);
}
