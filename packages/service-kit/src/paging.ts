import { query } from 'express-validator';
import type { RequestHandler } from 'express';
import { validateRequest } from './validate-request';

/** Deepest page offset: beyond it a listing is a scan, not a page (and big numbers lose precision). */
export const MAX_OFFSET = 1_000_000;

/**
 * `?limit&offset` rules for a listing route, then `validateRequest`: `limit` 1 to `maxLimit`,
 * `offset` 0 to `MAX_OFFSET`, both whole numbers, read into `req.query` as numbers; 400 otherwise.
 */
export function paging(maxLimit: number): RequestHandler[] {
  return [
    query('limit').optional().isInt({ min: 1, max: maxLimit }).withMessage(`limit must be 1 to ${maxLimit}`).toInt(),
    query('offset')
      .optional()
      .isInt({ min: 0, max: MAX_OFFSET })
      .withMessage(`offset must be 0 to ${MAX_OFFSET}`)
      .toInt(),
    validateRequest,
  ];
}
