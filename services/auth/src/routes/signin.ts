import { Router, type RequestHandler } from 'express';
import { body } from 'express-validator';
import { setSessionToken } from '@authbus/common/issuer';
import type { AuthContext } from '../context';
import { signinRefused } from '../http/rate-limited';
import { validateRequest } from '../http/validate';
import { userView } from '../http/user-view';
import { MAX_PASSWORD_LENGTH, burnPasswordCheck, verifyPassword } from '../passwords/password-hash';
import { clientAddressKey } from '../rate-limit/client-address';
import { InvalidCredentialsError, UserBannedError } from '../sessions/auth-errors';
import { startSession } from '../sessions/start-session';
import { emailRule } from './signup';

/**
 * `POST /api/users/signin {email, password}` → 200 user, cookie set; 400 `Invalid credentials`;
 * 403 banned (only told to whoever knows the password); 429 with `Retry-After` past the limits.
 */
export function signinRoute(ctx: AuthContext): Router {
  return Router().post(
    '/api/users/signin',
    emailRule(),
    body('password').isString().isLength({ min: 1, max: MAX_PASSWORD_LENGTH }).withMessage('You must supply a password'),
    validateRequest,
    limitSignins(ctx),
    async (req, res) => {
      const { email, password } = req.body as { email: string; password: string };
      const user = await ctx.store.findUserByEmail(email);
      const ok = user ? await verifyPassword(password, user.passwordHash) : await burnPasswordCheck(password, ctx.config.scryptCost);
      if (!user || !ok) {
        ctx.metrics.signins.inc({ result: 'invalid' });
        throw new InvalidCredentialsError();
      }
      if (user.banned) {
        ctx.metrics.signins.inc({ result: 'banned' });
        throw new UserBannedError();
      }
      await ctx.limits.signin.succeeded(email, clientAddressKey(req.ip));
      const { token, sid } = await startSession(ctx, user);
      setSessionToken(req, token);
      ctx.metrics.signins.inc({ result: 'ok' });
      ctx.logger.info({ sub: user.id, sid }, 'user signed in');
      res.json(userView(user));
    },
  );
}

/**
 * Count the attempt against the account, from this address, then from all addresses (the
 * per-address limit already counted it, before the body was read: see address-limits.ts); 429
 * with `Retry-After` when a limit refuses it.
 */
function limitSignins(ctx: AuthContext): RequestHandler {
  return async (req, _res, next) => {
    const client = clientAddressKey(req.ip);
    const email = (req.body as { email: string }).email;
    const verdict = await ctx.limits.signin.attemptOn(email, client);
    next(verdict.allowed ? undefined : signinRefused(ctx, verdict, client, email));
  };
}
