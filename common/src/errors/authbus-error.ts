import { ErrorCodes, type ErrorCode, type ErrorItem } from './codes';

/**
 * Base class of every error authbus raises on purpose. `code` is stable, `status` is the HTTP
 * status the error handler answers with, `serialize()` gives the `{ errors: [...] }` items.
 */
export class AuthbusError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /**
   * When to try again, seconds: the error handler sends it as `Retry-After`. Set by the errors
   * that are worth retrying (429 `ERR_RATE_LIMITED`, 503 `ERR_FEED_NOT_READY`, `ERR_FEED_STALE`,
   * `ERR_UNAVAILABLE`); absent on the others.
   */
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = this.constructor.name;
    this.code = code;
    this.status = ErrorCodes[code];
  }

  /** The items of the error body; override to report several fields. */
  serialize(): ErrorItem[] {
    return [{ message: this.message, code: this.code }];
  }
}

/** Is `value` an authbus error? Works across copies of the package (checks the shape, not the class). */
export function isAuthbusError(value: unknown): value is AuthbusError {
  if (!(value instanceof Error)) return false;
  const { code, status } = value as Partial<AuthbusError>;
  return typeof code === 'string' && code in ErrorCodes && typeof status === 'number';
}
