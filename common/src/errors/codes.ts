/**
 * Every error code authbus raises, with the HTTP status it maps to.
 * Codes are stable strings: `switch (err.code)` on them, never on messages. What each means and
 * what a client should do about it: docs/errors.md (a test keeps it listing exactly these).
 */
export const ErrorCodes = {
  ERR_TOKEN_INVALID: 401,
  ERR_TOKEN_EXPIRED: 401,
  ERR_TOKEN_NOT_YET_VALID: 401,
  ERR_TOKEN_REVOKED: 401,
  ERR_KEY_UNKNOWN: 401,
  ERR_KEY_AMBIGUOUS: 401,
  ERR_COOKIE_MALFORMED: 401,
  ERR_NOT_AUTHENTICATED: 401,
  ERR_FORBIDDEN: 403,
  ERR_CROSS_SITE_REQUEST: 403,
  ERR_USER_BANNED: 403,
  ERR_BAD_REQUEST: 400,
  ERR_VALIDATION: 400,
  ERR_INVALID_CREDENTIALS: 400,
  ERR_NOT_FOUND: 404,
  ERR_CONFLICT: 409,
  ERR_PAYLOAD_TOO_LARGE: 413,
  ERR_RATE_LIMITED: 429,
  ERR_INTERNAL: 500,
  ERR_CONFIG: 500,
  ERR_EVENT_INVALID: 500,
  ERR_MIRROR_UNUSABLE: 500,
  ERR_BAD_GATEWAY: 502,
  ERR_FEED_NOT_READY: 503,
  ERR_FEED_STALE: 503,
  ERR_UNAVAILABLE: 503,
  ERR_REVOCATION_PENDING: 503,
} as const;

/** A stable error code, e.g. `ERR_TOKEN_REVOKED`. */
export type ErrorCode = keyof typeof ErrorCodes;

/** One entry of the `{ errors: [...] }` body every authbus service answers with. */
export interface ErrorItem {
  message: string;
  field?: string;
  code?: string;
}
