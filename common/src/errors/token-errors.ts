import { AuthbusError } from './authbus-error';

/** The token is not a well-formed, correctly signed authbus access token. */
export class TokenInvalidError extends AuthbusError {
  constructor(message = 'Invalid token', options?: { cause?: unknown }) {
    super('ERR_TOKEN_INVALID', message, options);
  }
}

/** The token's `exp` has passed (beyond the clock tolerance). */
export class TokenExpiredError extends AuthbusError {
  constructor(
    readonly expiredAt: Date,
    options?: { cause?: unknown },
  ) {
    super('ERR_TOKEN_EXPIRED', 'Token expired', options);
  }
}

/** The token's `nbf` or `iat` is still in the future (beyond the clock tolerance). */
export class TokenNotYetValidError extends AuthbusError {
  constructor(message = 'Token not yet valid', options?: { cause?: unknown }) {
    super('ERR_TOKEN_NOT_YET_VALID', message, options);
  }
}

/** The token is valid but its session or user was revoked (sign-out, ban, sign-out everywhere). */
export class TokenRevokedError extends AuthbusError {
  constructor() {
    super('ERR_TOKEN_REVOKED', 'Session revoked');
  }
}

/** No key in the key ring matches the token's `kid` (or, without `kid`, its `alg`). */
export class KeyUnknownError extends AuthbusError {
  constructor() {
    super('ERR_KEY_UNKNOWN', 'No matching key for token');
  }
}

/** The token has no `kid` and several keys of its algorithm could verify it. */
export class KeyAmbiguousError extends AuthbusError {
  constructor() {
    super('ERR_KEY_AMBIGUOUS', 'Several keys match the token; a kid is required');
  }
}

/** The session cookie is present but cannot be decoded. */
export class CookieMalformedError extends AuthbusError {
  constructor(options?: { cause?: unknown }) {
    super('ERR_COOKIE_MALFORMED', 'Malformed session cookie', options);
  }
}
