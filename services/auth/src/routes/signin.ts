import { Router, type RequestHandler } from 'express';
import { setSessionToken } from '@authbus/common/issuer';
import { validateRequest } from '@authbus/service-kit';
import { signIn } from '../accounts/sign-in';
import type { Credentials } from '../accounts/sign-up';
import type { AuthContext } from '../context';
import { emailRule, passwordRule } from '../http/credential-rules';
import { signinRefused } from '../http/rate-limited';
import { userView } from '../http/user-view';
import { clientAddressKey } from '../rate-limit/client-address';

/**
 * `POST /api/users/signin {email, password}` → 200 user, cookie set; 400 `ERR_INVALID_CREDENTIALS`;
 * 403 `ERR_USER_BANNED` (only told to whoever knows the password); 429 with `Retry-After` past
 * the limits.
 */
export function signinRoute(ctx: AuthContext): Router {
  return Router().post(
    '/api/users/signin',
    emailRule(),
    passwordRule(),
    validateRequest,
    limitSignins(ctx),
    async (req, res) => {
      const { user, token } = await signIn(ctx, req.body as Credentials, clientAddressKey(req.ip));
      setSessionToken(req, token);
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
