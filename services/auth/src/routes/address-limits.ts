import { Router } from 'express';
import type { AuthContext } from '../context';
import { signinRefused, signupRefused } from '../http/rate-limited';
import { clientAddressKey, clientNetworkKey } from '../rate-limit/client-address';

/**
 * The per-address limits of sign-in and sign-up, mounted before the body parser: an address over
 * its limit is refused before its body is read, validated or looked at, so a flood from one
 * address (or one IPv6 /48) costs the least a request can, and what is refused here counts against no account.
 * (The per-account sign-in limits need the email, so they run after validation: see signin.ts.)
 */
export function addressLimits(ctx: AuthContext): Router {
  return Router()
    .post('/api/users/signin', async (req, _res, next) => {
      const client = clientAddressKey(req.ip);
      const verdict = await ctx.limits.signin.attemptFrom(client, clientNetworkKey(req.ip));
      next(verdict.allowed ? undefined : signinRefused(ctx, verdict, client));
    })
    .post('/api/users/signup', async (req, _res, next) => {
      const client = clientAddressKey(req.ip);
      const refused = await ctx.limits.signup.attempt(client, clientNetworkKey(req.ip));
      next(refused ? signupRefused(ctx, refused, client) : undefined);
    });
}
