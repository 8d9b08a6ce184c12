import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import type { AuthContext } from '../context';
import { OAuthError } from '../service-identity/oauth-error';
import { authenticateClient, clientCredentials, exchange, requestedAudience } from '../service-identity/service-tokens';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/**
 * `POST /api/services/token`, the token endpoint for services (form or JSON body), authenticated
 * by a private-key JWT (`client_assertion_type` jwt-bearer + `client_assertion`, RFC 7523):
 * - `grant_type=client_credentials&audience=<service …>` (RFC 6749 §4.4): the service's own token;
 * - `grant_type=urn:ietf:params:oauth:grant-type:token-exchange&subject_token=<user token>&subject_token_type=urn:ietf:params:oauth:token-type:access_token&audience=<service>[&scope=<roles>]`
 *   (RFC 8693): a token for one service on the user's behalf.
 * Answers `{ access_token, token_type, expires_in[, issued_token_type] }` with `Cache-Control:
 * no-store`, or `{ error, error_description }` (RFC 6749 §5.2): 401 `invalid_client`, 400
 * `invalid_request`, `invalid_grant`, `unsupported_grant_type`, `invalid_scope`, `invalid_target`.
 * Not routed by the gateway or the Ingress: services reach auth directly.
 */
export function serviceTokenRoute(ctx: AuthContext): Router {
  const issue: RequestHandler = async (req, res) => {
    res.set('Cache-Control', 'no-store').set('Pragma', 'no-cache');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const grant = body.grant_type;
    if (grant === undefined) throw new OAuthError('invalid_request', 'grant_type is required');
    if (grant !== 'client_credentials' && grant !== TOKEN_EXCHANGE)
      throw new OAuthError('unsupported_grant_type', 'grant_type must be client_credentials or token-exchange');
    const client = await authenticateClient(ctx, text(body.client_assertion_type), text(body.client_assertion));
    const audience = requestedAudience(ctx, body.audience);
    if (grant === 'client_credentials') {
      if (body.scope !== undefined) throw new OAuthError('invalid_scope', 'Service tokens have no scopes');
      res.json(clientCredentials(ctx, client, audience));
      return;
    }
    res.json(
      await exchange(ctx, client, {
        subjectToken: body.subject_token,
        subjectTokenType: body.subject_token_type,
        audience,
        scope: body.scope,
        actorToken: body.actor_token,
      }),
    );
  };
  const oauthErrors: ErrorRequestHandler = (err, _req, res, next) => {
    if (!(err instanceof OAuthError)) return next(err);
    res.status(err.status).json({ error: err.error, error_description: err.description });
  };
  return Router()
    .post('/api/services/token', express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }), issue)
    .use('/api/services/token', oauthErrors);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
