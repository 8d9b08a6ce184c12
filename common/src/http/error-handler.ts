import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isAuthbusError, type AuthbusError } from '../errors/authbus-error';
import type { ErrorItem } from '../errors/codes';
import { BadRequestError, NotFoundError, PayloadTooLargeError } from '../errors/http-errors';
import type { Logger } from '../logging/logger';

/**
 * Turn any error into `{ errors: [{ message, field?, code? }] }`: authbus errors get their status
 * (and `Retry-After` for 429/503); body-parser errors become 400/413; anything else is a 500 with
 * a generic message, and is logged with its stack (never shown to the client).
 */
export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const known = isAuthbusError(err) ? err : fromHttpError(err);
    if (known) {
      const retryAfter = known.retryAfterSeconds;
      if (typeof retryAfter === 'number') res.set('Retry-After', String(Math.max(1, Math.ceil(retryAfter))));
      res.status(known.status).json({ errors: known.serialize() });
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'unhandled error');
    const body: { errors: ErrorItem[] } = { errors: [{ message: 'Something went wrong', code: 'ERR_INTERNAL' }] };
    res.status(500).json(body);
  };
}

/** The last route: anything unmatched is a 404 in the usual error shape. */
export const notFound: RequestHandler = (_req, _res, next) => next(new NotFoundError('Route not found'));

/** body-parser and other http-errors: client mistakes that carry `status` and `expose`. */
function fromHttpError(err: unknown): AuthbusError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { status, type, expose } = err as { status?: unknown; type?: unknown; expose?: unknown };
  if (type === 'entity.too.large' || status === 413) return new PayloadTooLargeError();
  if (type === 'entity.parse.failed') return new BadRequestError('Malformed JSON body');
  if (status === 404) return new NotFoundError();
  if (expose === true && typeof status === 'number' && status >= 400 && status < 500) {
    const { message } = err as { message?: unknown };
    return new BadRequestError(typeof message === 'string' ? message : 'Bad request');
  }
  return undefined;
}
