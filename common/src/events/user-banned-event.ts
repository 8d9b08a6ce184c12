import type { Subjects } from './subjects';

/** An admin banned a user: refuse the user's tokens with `iat <= revokedBefore` until `until`. */
export interface UserBannedEvent {
  subject: typeof Subjects.UserBanned;
  data: {
    sub: string;
    reason: string;
    /** Seconds since the epoch; tokens issued at or before it are refused. */
    revokedBefore: number;
    /** The latest `exp` a refused token can have, seconds since the epoch. */
    until: number;
  };
}
