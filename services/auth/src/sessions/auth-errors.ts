import { AuthbusError, ForbiddenError, NotAuthenticatedError } from '@authbus/common';

/** The account is banned (sign-in, refresh). */
export class UserBannedError extends ForbiddenError {
  constructor() {
    super('Account banned');
  }
}

/** Email and password don't match an account. */
export class InvalidCredentialsError extends AuthbusError {
  constructor() {
    super('ERR_BAD_REQUEST', 'Invalid credentials');
  }
}

/** The session can't be refreshed: unknown, expired, revoked, or its token was reused. */
export class SessionEndedError extends NotAuthenticatedError {
  constructor(message: string) {
    super(message);
  }
}
