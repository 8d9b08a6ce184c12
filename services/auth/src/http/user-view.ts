import type { UserRecord } from '../store/records';

/** What the API shows of a user: never the password hash. */
export interface UserView {
  id: string;
  email: string;
  roles: string[];
  banned?: boolean;
}

export function userView(user: UserRecord, withStatus = false): UserView {
  return { id: user.id, email: user.email, roles: user.roles, ...(withStatus ? { banned: user.banned } : {}) };
}
