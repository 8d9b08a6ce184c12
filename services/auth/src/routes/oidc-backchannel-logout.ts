import express, { Router, type ErrorRequestHandler, type RequestHandler, type Response } from 'express';
import { Counter } from 'prom-client';
import { clockToleranceSeconds } from '../config';
import type { AuthContext } from '../context';
import { RevocationPendingError } from '../accounts/errors';
import { idpLogout } from '../oidc/idp-logout';
import {
  LogoutKeysUnavailableError,
  LogoutTokenInvalidError,
  remoteLogoutKeySet,
  verifyLogoutToken,
  type LogoutKeySet,
} from '../oidc/logout-token';
import type { OidcLogoutConfig } from '../oidc/oidc-config';
import { ReplayGuard } from '../oidc/replay-guard';

export const BACKCHANNEL_LOGOUT_PATH = '/api/oidc/backchannel-logout';

/**
 * `POST /api/oidc/backchannel-logout` (form field `logout_token`), OIDC Back-Channel Logout 1.0:
 * 200 once the logout's revocation is committed (published before the answer when NATS is up),
 * 400 `{"error":"invalid_request","error_description"}` for a missing, invalid or replayed token,
 * 503 `{"error":"temporarily_unavailable"}` when the IdP's keys cannot be fetched, or when the
 * revocation is recorded but could not reach the event bus and the tokens it covers may outlive
 * verifiers' memory of this instance (`RevocationFence`; with `Retry-After`;
 * the IdP may send the token again, which records it once more, harmlessly). Every answer
 * has `Cache-Control: no-store`. `keys`: the IdP's key set (tests give their own).
 */
export function backchannelLogoutRoute(ctx: AuthContext, oidc: OidcLogoutConfig, keys?: LogoutKeySet): Router {
  const keySet = keys ?? remoteLogoutKeySet(oidc);
  const tolerance = clockToleranceSeconds(ctx.config);
  const replays = new ReplayGuard({
    max: oidc.replayCacheSize,
    keepSeconds: oidc.logoutTokenMaxAgeSeconds + 2 * Math.ceil(tolerance),
    now: ctx.now,
  });
  const results = new Counter({
    name: 'authbus_oidc_logout_tokens_total',
    help: 'Back-channel logout tokens received, by result (accepted, invalid, replayed, unavailable, pending)',
    labelNames: ['result'] as const,
    registers: [ctx.metrics.registry],
  });

  const refuse = (res: Response, status: 400 | 503, error: string, description: string): void => {
    res.status(status).json({ error, error_description: description });
  };

  // Only the body parser's errors (they carry a `type`); anything else is the kit's error handler's.
  const malformedBody: ErrorRequestHandler = (err: { type?: unknown }, _req, res, next) => {
    if (res.headersSent || typeof err.type !== 'string') return next(err);
    results.inc({ result: 'invalid' });
    refuse(res, 400, 'invalid_request', err.type === 'entity.too.large' ? 'body too large' : 'malformed form body');
  };

  const noStore: RequestHandler = (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  };

  const receive: RequestHandler = async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const token = body.logout_token;
    if (typeof token !== 'string' || token.length === 0) {
      results.inc({ result: 'invalid' });
      return refuse(res, 400, 'invalid_request', 'logout_token (form field) is required');
    }
    let logout;
    try {
      logout = await verifyLogoutToken(token, keySet, oidc, { now: ctx.now, clockToleranceSeconds: tolerance });
    } catch (err) {
      if (err instanceof LogoutKeysUnavailableError) {
        results.inc({ result: 'unavailable' });
        ctx.logger.warn({ err: String(err.cause), jwksUri: oidc.jwksUri }, 'identity provider keys unavailable');
        return refuse(res, 503, 'temporarily_unavailable', err.message);
      }
      if (!(err instanceof LogoutTokenInvalidError)) throw err;
      results.inc({ result: 'invalid' });
      ctx.logger.info({ reason: err.reason, issuer: oidc.issuer }, 'logout token refused');
      return refuse(res, 400, 'invalid_request', err.reason);
    }
    if (!replays.firstUse(logout.jti)) {
      results.inc({ result: 'replayed' });
      ctx.logger.warn({ jti: logout.jti, issuer: oidc.issuer }, 'logout token replayed');
      return refuse(res, 400, 'invalid_request', 'logout token already used (jti)');
    }
    try {
      await idpLogout(ctx, oidc, logout);
    } catch (err) {
      replays.forget(logout.jti); // not acted on, or not in effect yet: the IdP may send it again
      if (!(err instanceof RevocationPendingError)) throw err;
      // Recorded (the outbox publishes it once the bus is back), but not answered as done.
      results.inc({ result: 'pending' });
      res.set('Retry-After', String(err.retryAfterSeconds));
      return refuse(res, 503, 'temporarily_unavailable', err.message);
    }
    results.inc({ result: 'accepted' });
    res.status(200).end();
  };

  return Router()
    .post(
      BACKCHANNEL_LOGOUT_PATH,
      noStore,
      express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 }),
      receive,
    )
    .use(BACKCHANNEL_LOGOUT_PATH, malformedBody);
}
