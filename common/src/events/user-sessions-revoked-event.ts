import type { Subjects } from './subjects';
import type { UserCutOff } from './user-cut-off';

/** Every session of a user was revoked (sign-out everywhere, password change). Same effect as a ban. */
export interface UserSessionsRevokedEvent {
  subject: typeof Subjects.UserSessionsRevoked;
  data: UserCutOff & { reason: 'signout-all' | 'password-change' | (string & {}) };
}
