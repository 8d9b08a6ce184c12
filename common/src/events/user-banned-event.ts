import type { Subjects } from './subjects';
import type { UserCutOff } from './user-cut-off';

/** An admin banned a user: refuse the user's tokens with `gen < belowGeneration` until `until`. */
export interface UserBannedEvent {
  subject: typeof Subjects.UserBanned;
  data: UserCutOff;
}
