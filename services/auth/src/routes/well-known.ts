import { Router, type Request } from 'express';
import { jwksOf, DEFAULT_ISSUER } from '@authbus/common';
import type { AuthContext } from '../context';

/** How long a client may cache the key set: short, so a withdrawn key leaves its cache soon. */
export const JWKS_MAX_AGE_SECONDS = 60;

/**
 * Discovery for verifiers that are not authbus (RFC 7517, OpenID Connect Discovery 1.0 §3):
 * - `GET /.well-known/jwks.json` → the public verification keys (ES256/RS256; HS256 secrets
 *   never), each with `kid`, `alg` and `use: "sig"`;
 * - `GET /.well-known/openid-configuration` → `issuer` (the tokens' `iss`), `jwks_uri` and the
 *   signing algorithms. `jwks_uri` is `AUTH_PUBLIC_URL` + the path, or built from the request's
 *   (trusted-proxy) scheme and host when `AUTH_PUBLIC_URL` is unset.
 * Public, anonymous, no cookie read.
 */
export function wellKnownRoutes(ctx: AuthContext): Router {
  const router = Router();
  router.get('/.well-known/jwks.json', (_req, res) => {
    res.set('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
    res.type('application/jwk-set+json').send(JSON.stringify(jwksOf(ctx.keyRing.keys)));
  });
  router.get('/.well-known/openid-configuration', (req, res) => {
    const algorithms = [...new Set(ctx.keyRing.keys.map((k) => k.alg))].filter((a) => a !== 'HS256');
    res.set('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
    res.json({
      issuer: ctx.config.kit.token?.issuer ?? DEFAULT_ISSUER,
      jwks_uri: `${baseUrl(ctx, req)}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: algorithms.length > 0 ? algorithms : ['ES256'],
      token_endpoint_auth_methods_supported: ['none'],
      response_types_supported: ['token'],
      subject_types_supported: ['public'],
    });
  });
  return router;
}

function baseUrl(ctx: AuthContext, req: Request): string {
  if (ctx.config.publicUrl !== undefined) return ctx.config.publicUrl;
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}
