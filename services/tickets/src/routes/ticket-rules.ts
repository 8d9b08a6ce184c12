import { body } from 'express-validator';

/** Title and price rules for create and update. */
export const ticketRules = [
  body('title')
    .isString()
    .withMessage('Title is required')
    .bail()
    .trim()
    .isLength({ min: 1, max: 200 })
    .withMessage('Title must be 1 to 200 characters'),
  body('price')
    .custom((value: unknown) => typeof value === 'number' && Number.isFinite(value))
    .withMessage('Price must be a number')
    .bail()
    .isFloat({ gt: 0, max: 1_000_000 })
    .withMessage('Price must be greater than 0 and at most 1,000,000')
    .bail()
    // 19.99 * 100 is 1998.9999999999998 in binary floating point: compare with a tolerance.
    .custom((value: number) => Math.abs(Math.round(value * 100) - value * 100) < 1e-6)
    .withMessage('Price has at most two decimals'),
];
