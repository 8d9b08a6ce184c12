import type { Subjects } from './subjects';

/** Known reasons; readers accept any short string so new reasons never break old services. */
export type SessionRevokedReason = 'signout' | 'refresh-reuse' | 'admin' | (string & {});

/** One session was revoked: refuse tokens with this `sid` until `until`. */
export interface SessionRevokedEvent {
  subject: typeof Subjects.SessionRevoked;
  data: {
    sid: string;
    sub: string;
    reason: SessionRevokedReason;
    /** When it was revoked, ISO 8601. */
    revokedAt: string;
    /** The latest `exp` any token of the session can have, seconds since the epoch. */
    until: number;
  };
}
