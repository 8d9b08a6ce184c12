import type { Subjects } from './subjects';

/** An admin lifted a ban. No effect on revocation sets: new sign-ins are simply allowed again. */
export interface UserUnbannedEvent {
  subject: typeof Subjects.UserUnbanned;
  data: {
    sub: string;
  };
}
