import { body } from 'express-validator';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../passwords/password-hash';

/** The email of sign-up and sign-in: valid, at most 254 characters, trimmed and lower-cased. */
export const emailRule = () =>
  body('email')
    .isString()
    .withMessage('Email must be valid')
    .bail()
    .trim()
    .isLength({ max: 254 })
    .isEmail()
    .withMessage('Email must be valid')
    .bail()
    .toLowerCase();

/** A new password (sign-up): the length rules of the password hash. */
export const newPasswordRule = () =>
  body('password')
    .isString()
    .isLength({ min: MIN_PASSWORD_LENGTH, max: MAX_PASSWORD_LENGTH })
    .withMessage(`Password must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`);

/** A password to check (sign-in): present and not absurdly long; the hash decides the rest. */
export const passwordRule = () =>
  body('password').isString().isLength({ min: 1, max: MAX_PASSWORD_LENGTH }).withMessage('You must supply a password');
