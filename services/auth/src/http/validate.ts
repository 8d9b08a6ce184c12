import { RequestValidationError } from '@authbus/common';
import type { RequestHandler } from 'express';
import { validationResult } from 'express-validator';

/** After express-validator chains: 400 with one `{ message, field }` per invalid field. */
export const validateRequest: RequestHandler = (req, _res, next) => {
  const result = validationResult(req);
  if (result.isEmpty()) return next();
  const seen = new Set<string>();
  const fields = [];
  for (const error of result.array()) {
    const field = error.type === 'field' ? error.path : undefined;
    if (field !== undefined && seen.has(field)) continue;
    if (field !== undefined) seen.add(field);
    fields.push({ message: String(error.msg), ...(field !== undefined ? { field } : {}) });
  }
  next(new RequestValidationError(fields));
};
