import type { Subjects } from './subjects';

/** A user signed up; for services that keep a copy of the user directory. */
export interface UserCreatedEvent {
  subject: typeof Subjects.UserCreated;
  data: {
    sub: string;
    email: string;
    roles: string[];
  };
}
