import { Router } from 'express';
import { body } from 'express-validator';
import { RequestValidationError } from '@authbus/common';
import { setSessionToken } from '@authbus/common/issuer';
import type { AuthContext } from '../context';
import { validateRequest } from '../http/validate';
import { userView } from '../http/user-view';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, hashPassword } from '../passwords/password-hash';
import { userCreated } from '../sessions/auth-events';
import { commitAndPublish } from '../sessions/commit-and-publish';
import { startSession } from '../sessions/start-session';
import { EmailTakenError } from '../store/auth-store';
import { newId } from '../store/new-id';
import type { UserRecord } from '../store/records';

/** Email and password rules shared by sign-up and sign-in. */
export const emailRule = () =>
  body('email').isString().withMessage('Email must be valid').bail().trim().isLength({ max: 254 }).isEmail().withMessage('Email must be valid').bail().toLowerCase();

/**
 * `POST /api/users/signup {email, password}` → 201 user, cookie set; 400 invalid or taken; 429
 * with `Retry-After` past the per-address limit (see address-limits.ts: counted before the body
 * is read, so before the password is hashed).
 */
export function signupRoute(ctx: AuthContext): Router {
  return Router().post(
    '/api/users/signup',
    emailRule(),
    body('password')
      .isString()
      .isLength({ min: MIN_PASSWORD_LENGTH, max: MAX_PASSWORD_LENGTH })
      .withMessage(`Password must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`),
    validateRequest,
    async (req, res) => {
      const { email, password } = req.body as { email: string; password: string };
      if (await ctx.store.findUserByEmail(email)) throw emailTaken();
      const user: UserRecord = {
        id: newId(),
        email,
        passwordHash: await hashPassword(password, ctx.config.scryptCost),
        roles: ctx.config.adminEmails.has(email) ? ['user', 'admin'] : ['user'],
        banned: false,
        generation: 0,
        createdAt: new Date(ctx.now()),
      };
      try {
        await commitAndPublish(ctx, { kind: 'user-created', user }, [userCreated(user)]);
      } catch (err) {
        if (err instanceof EmailTakenError) throw emailTaken();
        throw err;
      }
      const { token, sid } = await startSession(ctx, user);
      setSessionToken(req, token);
      ctx.metrics.signups.inc();
      ctx.logger.info({ sub: user.id, sid, admin: user.roles.includes('admin') }, 'user signed up');
      res.status(201).json(userView(user));
    },
  );
}

function emailTaken(): RequestValidationError {
  return new RequestValidationError([{ message: 'Email in use', field: 'email' }]);
}
