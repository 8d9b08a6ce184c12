import { AuthbusError, NotAuthenticatedError, RequestValidationError } from '@authbus/common';

/** The account is banned (sign-in, refresh): 403 `ERR_USER_BANNED`. */
export class UserBannedError extends AuthbusError {
  constructor() {
    super('ERR_USER_BANNED', 'Account banned');
  }
}

/** Email and password don't match an account: 400 `ERR_INVALID_CREDENTIALS` (the status the course's clients expect). */
export class InvalidCredentialsError extends AuthbusError {
  constructor() {
    super('ERR_INVALID_CREDENTIALS', 'Invalid credentials');
  }
}

/** The session can't be refreshed: unknown, expired, revoked, or its token was reused. */
export class SessionEndedError extends NotAuthenticatedError {
  constructor(message: string) {
    super(message);
  }
}

/**
 * A revocation (sign-out, ban, …) was recorded but could not reach the event bus, and this instance
 * has been out of contact so long that verifiers may no longer hold for it: 503
 * `ERR_REVOCATION_PENDING` with `Retry-After`. The outbox publishes it once the bus is reachable.
 */
export class RevocationPendingError extends AuthbusError {
  constructor(override readonly retryAfterSeconds: number) {
    super(
      'ERR_REVOCATION_PENDING',
      'The revocation is recorded and will take effect in every service once the event bus is reachable again',
    );
  }
}

/** Sign-up with an email that has an account: a field error, shown next to the email input. */
export function emailInUse(): RequestValidationError {
  return new RequestValidationError([{ message: 'Email in use', field: 'email' }]);
}
