import { Router, type Request } from 'express';
import { readSessionToken, requestToken } from '@authbus/common';
import { clearSessionCookie } from '@authbus/common/issuer';
import { RevocationPendingError } from '../accounts/errors';
import { signOut, signOutEverywhere } from '../accounts/sign-out';
import type { AuthContext } from '../context';

/**
 * `POST /api/users/signout` → 200 `{}`: revokes this session (event) and clears the cookie.
 * Idempotent: no cookie, an expired or an already revoked token still answers 200. When the event
 * cannot reach the stream (NATS down), it is recorded (the outbox publishes it when the bus is back)
 * and answered 503 `ERR_REVOCATION_PENDING` with `Retry-After`, the cookie cleared all the same,
 * unless every token of the session expires before verifiers may forget this instance
 * (`RevocationFence`; with the default memory and token lifetime, never).
 *
 * `POST /api/users/signout-all` → 200 `{}`: revokes every session of the user (event); needs a
 * valid, unexpired token of a live session.
 */
export function signoutRoutes(ctx: AuthContext): Router {
  return Router()
    .post('/api/users/signout', async (req, res) => {
      // The cookie goes whatever the answer: a fenced sign-out (503) is recorded all the same.
      clearSessionCookie(req);
      await signOut(ctx, presentedToken(req));
      res.json({});
    })
    .post('/api/users/signout-all', async (req, res) => {
      try {
        await signOutEverywhere(ctx, presentedToken(req));
      } catch (err) {
        // Fenced: every session is ended all the same, this one included.
        if (err instanceof RevocationPendingError) clearSessionCookie(req);
        throw err;
      }
      clearSessionCookie(req);
      res.json({});
    });
}

/**
 * The request's token. A malformed `Authorization: Bearer` header falls back to the cookie, so a
 * browser behind a proxy that sends its own header still signs its session out; undefined when
 * neither holds a well-formed token (to sign out, that is no token).
 */
function presentedToken(req: Request): string | undefined {
  try {
    return requestToken(req.headers);
  } catch {
    try {
      return readSessionToken(req.headers.cookie);
    } catch {
      return undefined;
    }
  }
}
