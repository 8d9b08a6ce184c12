import { AuthbusError } from './authbus-error';
import type { ErrorItem } from './codes';

/** No (usable) credentials were presented to a route that needs them. */
export class NotAuthenticatedError extends AuthbusError {
  constructor(message = 'Not authenticated') {
    super('ERR_NOT_AUTHENTICATED', message);
  }
}

/** The caller is authenticated but may not do this. */
export class ForbiddenError extends AuthbusError {
  constructor(message = 'Forbidden') {
    super('ERR_FORBIDDEN', message);
  }
}

/** A state-changing request came from another site (Origin / Sec-Fetch-Site check). */
export class CrossSiteRequestError extends AuthbusError {
  constructor() {
    super('ERR_CROSS_SITE_REQUEST', 'Cross-site request refused');
  }
}

/** The request is malformed in a way that is not about one field. */
export class BadRequestError extends AuthbusError {
  constructor(message = 'Bad request') {
    super('ERR_BAD_REQUEST', message);
  }
}

/** One or more fields of the request are invalid. */
export class RequestValidationError extends AuthbusError {
  constructor(readonly fields: readonly ErrorItem[]) {
    super('ERR_VALIDATION', fields.map((f) => f.message).join('; ') || 'Invalid request');
  }

  override serialize(): ErrorItem[] {
    return this.fields.map((f) => ({ code: this.code, ...f }));
  }
}

/** The resource does not exist (or the id cannot name one). */
export class NotFoundError extends AuthbusError {
  constructor(message = 'Not found') {
    super('ERR_NOT_FOUND', message);
  }
}

/** The request conflicts with the current state. */
export class ConflictError extends AuthbusError {
  constructor(message = 'Conflict') {
    super('ERR_CONFLICT', message);
  }
}

/** The request body is larger than the configured limit. */
export class PayloadTooLargeError extends AuthbusError {
  constructor() {
    super('ERR_PAYLOAD_TOO_LARGE', 'Request body too large');
  }
}

/** Too many attempts; `retryAfterSeconds` goes into the `Retry-After` header. */
export class RateLimitedError extends AuthbusError {
  constructor(
    override readonly retryAfterSeconds: number,
    message = 'Too many requests',
  ) {
    super('ERR_RATE_LIMITED', message);
  }
}

/** A dependency the request needs is down; `retryAfterSeconds` goes into `Retry-After`. */
export class ServiceUnavailableError extends AuthbusError {
  constructor(
    message = 'Service unavailable',
    override readonly retryAfterSeconds = 5,
  ) {
    super('ERR_UNAVAILABLE', message);
  }
}

/** A proxy or gateway could not reach the service behind it (the local gateway: the upstream is down). */
export class BadGatewayError extends AuthbusError {
  constructor(message = 'Upstream unavailable') {
    super('ERR_BAD_GATEWAY', message);
  }
}
