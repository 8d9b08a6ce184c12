import { Router, type RequestHandler } from 'express';
import { body } from 'express-validator';
import { RateLimitedError, setSessionToken } from '@authbus/common';
import type { AuthContext } from '../context';
import { validateRequest } from '../http/validate';
import { userView } from '../http/user-view';
import { MAX_PASSWORD_LENGTH, burnPasswordCheck, verifyPassword } from '../passwords/password-hash';
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
      ctx.limiters.perAccount.reset(email);
      const { token, sid } = await startSession(ctx, user);
      setSessionToken(req, token);
      ctx.metrics.signins.inc({ result: 'ok' });
      ctx.logger.info({ sub: user.id, sid }, 'user signed in');
      res.json(userView(user));
    },
  );
}

/** Count the attempt against the caller's IP and the account; 429 when either is over its limit. */
function limitSignins(ctx: AuthContext): RequestHandler {
  return (req, _res, next) => {
    const byIp = ctx.limiters.perIp.hit(req.ip ?? 'unknown');
    const byAccount = ctx.limiters.perAccount.hit((req.body as { email: string }).email);
    const refused = !byIp.allowed ? byIp : !byAccount.allowed ? byAccount : undefined;
    if (!refused || refused.allowed) return next();
    ctx.metrics.rateLimited.inc({ by: !byIp.allowed ? 'ip' : 'account' });
    ctx.logger.warn({ ip: req.ip, by: !byIp.allowed ? 'ip' : 'account' }, 'sign-in rate limited');
    next(new RateLimitedError(refused.retryAfterSeconds, 'Too many sign-in attempts; try again later'));
  };
}
