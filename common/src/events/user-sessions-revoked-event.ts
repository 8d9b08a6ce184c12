import type { Subjects } from './subjects';

/** Every session of a user was revoked (sign-out everywhere, password change). Same effect as a ban. */
export interface UserSessionsRevokedEvent {
  subject: typeof Subjects.UserSessionsRevoked;
  data: {
    sub: string;
    reason: 'signout-all' | 'password-change' | (string & {});
    /** Seconds since the epoch; tokens issued at or before it are refused. */
    revokedBefore: number;
    /** The latest `exp` a refused token can have, seconds since the epoch. */
    until: number;
  };
}
