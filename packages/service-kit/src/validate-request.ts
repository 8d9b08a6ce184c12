import { RequestValidationError, type ErrorItem } from '@authbus/common';
import type { RequestHandler } from 'express';
import { validationResult } from 'express-validator';

/**
 * After express-validator chains: 400 with the first error of each invalid field (`{ message,
 * field }`, one per field, so a form shows one message next to each input) and every error that
 * names no field (they are about the request as a whole, and none repeats another).
 */
export const validateRequest: RequestHandler = (req, _res, next) => {
  const result = validationResult(req);
  if (result.isEmpty()) return next();
  const seen = new Set<string>();
  const items: ErrorItem[] = [];
  for (const error of result.array()) {
    const field = error.type === 'field' ? error.path : undefined;
    if (field !== undefined && seen.has(field)) continue;
    if (field !== undefined) seen.add(field);
    items.push({ message: String(error.msg), ...(field !== undefined ? { field } : {}) });
  }
  next(new RequestValidationError(items));
};
