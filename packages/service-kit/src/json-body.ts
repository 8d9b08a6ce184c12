import express, { type RequestHandler } from 'express';

/** Largest JSON body a service accepts; its requests are a few hundred bytes. Larger: 413. */
export const BODY_LIMIT = '16kb';

/**
 * Parse JSON bodies up to `limit` (malformed: 400, too large: 413, through the kit's error
 * handler), and read a request without one as `{}`: Express 5 leaves `req.body` undefined then,
 * and a route that destructures it would crash with a 500.
 */
export function jsonBody(limit: string = BODY_LIMIT): RequestHandler[] {
  return [
    express.json({ limit }),
    (req, _res, next) => {
      req.body ??= {};
      next();
    },
  ];
}
