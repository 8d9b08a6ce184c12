import { body } from 'express-validator';

/** The optional `reason` of an admin action (ban, credential revocation): 1 to 200 characters. */
export function optionalReason() {
  return body('reason')
    .optional()
    .isString()
    .trim()
    .isLength({ min: 1, max: 200 })
    .withMessage('reason must be 1 to 200 characters');
}
