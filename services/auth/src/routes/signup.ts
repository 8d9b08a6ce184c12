import { Router } from 'express';
import { setSessionToken } from '@authbus/common/issuer';
import { validateRequest } from '@authbus/service-kit';
import { signUp, type Credentials } from '../accounts/sign-up';
import type { AuthContext } from '../context';
import { emailRule, newPasswordRule } from '../http/credential-rules';
import { userView } from '../http/user-view';

/**
 * `POST /api/users/signup {email, password}` → 201 user, cookie set; 400 invalid or taken; 429
 * with `Retry-After` past the per-address limit (see address-limits.ts: counted before the body
 * is read, so before the password is hashed).
 */
export function signupRoute(ctx: AuthContext): Router {
  return Router().post('/api/users/signup', emailRule(), newPasswordRule(), validateRequest, async (req, res) => {
    const { user, token } = await signUp(ctx, req.body as Credentials);
    setSessionToken(req, token);
    res.status(201).json(userView(user));
  });
}
