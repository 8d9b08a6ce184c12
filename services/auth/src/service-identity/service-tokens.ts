import { ServiceUnavailableError, isAuthbusError, type AccessClaims } from '@authbus/common';
import {
  signDelegatedToken,
  signServiceToken,
  verifyClientAssertion,
  type VerifiedClientAssertion,
} from '@authbus/common/issuer';
import { clockToleranceSeconds } from '../config';
import type { AuthContext } from '../context';
import { OAuthError } from './oauth-error';

/** What the token endpoint answers (RFC 6749 §5.1, RFC 8693 §2.2.1). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  issued_token_type?: string;
}

export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const SUBJECT_TOKEN_TYPES = new Set([ACCESS_TOKEN_TYPE, 'urn:ietf:params:oauth:token-type:jwt']);

/**
 * Authenticate the calling service by its client assertion (RFC 7523 §2.2): its key, its name in
 * `iss` and `sub`, the issuer as `aud`, fresh, never seen before, and a credential not revoked.
 * Every refusal is `invalid_client`.
 */
export async function authenticateClient(
  ctx: AuthContext,
  assertionType: string | undefined,
  assertion: string | undefined,
): Promise<VerifiedClientAssertion> {
  if (assertionType === undefined || assertion === undefined)
    throw new OAuthError('invalid_client', 'client_assertion_type and client_assertion are required');
  if (assertionType !== JWT_BEARER_ASSERTION_TYPE)
    throw new OAuthError('invalid_client', `client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE}`);
  const { clients, replays } = ctx.serviceIdentity;
  let verified: VerifiedClientAssertion;
  try {
    verified = verifyClientAssertion(assertion, {
      findKey: (credential) => clients.byCredential(credential),
      issuer: ctx.config.kit.token?.issuer ?? 'authbus',
      clockToleranceSeconds: clockToleranceSeconds(ctx.config),
      now: ctx.now,
    });
  } catch (err) {
    const why = isAuthbusError(err) ? err.message : 'Invalid client assertion';
    throw refuse(ctx, 'invalid_client', why);
  }
  if (
    ctx.revocations.isCredentialRevoked(verified.service, verified.credential) ||
    (await ctx.store.isCredentialRevoked(verified.service, verified.credential))
  )
    throw refuse(ctx, 'invalid_client', 'The credential was revoked', verified.service);
  const use = replays.use(verified.service, verified.jti, verified.exp, Math.floor(ctx.now() / 1000));
  if (use === 'replayed') throw refuse(ctx, 'invalid_client', 'The assertion was used before', verified.service);
  if (use === 'full') {
    ctx.logger.warn({ service: verified.service }, 'too many live client assertions: refusing new ones');
    throw new ServiceUnavailableError('Too many token requests; retry shortly');
  }
  return verified;
}

/** The audiences asked for: service names auth knows, space-separated (or repeated), at least one. */
export function requestedAudience(ctx: AuthContext, value: unknown): string[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  if (!values.every((v) => typeof v === 'string')) throw new OAuthError('invalid_request', 'audience must be a string');
  const names = [...new Set(values.flatMap((v) => v.split(' ')).filter((v) => v !== ''))];
  if (names.length === 0) throw new OAuthError('invalid_target', 'audience names the services the token is for');
  if (names.length > 16) throw new OAuthError('invalid_target', 'At most 16 audiences');
  const unknown = names.filter((n) => !ctx.serviceIdentity.clients.names.has(n));
  if (unknown.length > 0)
    throw new OAuthError('invalid_target', `Unknown audience: ${unknown.join(' ').slice(0, 100)}`);
  return names;
}

/** Client credentials (RFC 6749 §4.4): the service's own token for `audience`. */
export function clientCredentials(
  ctx: AuthContext,
  client: VerifiedClientAssertion,
  audience: string[],
): TokenResponse {
  const { token, claims } = signServiceToken(
    { service: client.service, credential: client.credential, audience, ttlSeconds: ctx.serviceIdentity.ttlSeconds },
    ctx.keyRing,
    { ...ctx.config.kit.token, now: ctx.now },
  );
  ctx.metrics.serviceTokens.inc({ grant: 'client_credentials', service: client.service });
  ctx.logger.info({ service: client.service, audience, jti: claims.jti }, 'service token issued');
  return { access_token: token, token_type: 'Bearer', expires_in: claims.exp - claims.iat };
}

/**
 * Token exchange (RFC 8693): the user's access token, verified here with revocation applied and
 * its session looked up (a signed-out or banned user gets nothing), for one audience. Only a
 * user's own access token can be exchanged: an exchanged token is not (so nothing can be widened
 * by exchanging again). Roles are the user's, or fewer when `scope` names some of them.
 */
export async function exchange(
  ctx: AuthContext,
  client: VerifiedClientAssertion,
  params: { subjectToken: unknown; subjectTokenType: unknown; audience: string[]; scope: unknown; actorToken: unknown },
): Promise<TokenResponse> {
  if (typeof params.subjectToken !== 'string' || params.subjectToken === '')
    throw new OAuthError('invalid_request', 'subject_token is required');
  if (typeof params.subjectTokenType !== 'string' || !SUBJECT_TOKEN_TYPES.has(params.subjectTokenType))
    throw new OAuthError('invalid_request', `subject_token_type must be ${ACCESS_TOKEN_TYPE}`);
  if (params.actorToken !== undefined)
    throw new OAuthError('invalid_request', 'actor_token is not used: the authenticated service is the actor');
  if (params.audience.length !== 1) throw new OAuthError('invalid_target', 'A delegated token is for one audience');
  let user: AccessClaims;
  try {
    user = ctx.authenticate(params.subjectToken);
  } catch (err) {
    const why = isAuthbusError(err) ? `${err.code}: ${err.message}` : 'subject_token is not a valid access token';
    throw refuse(ctx, 'invalid_grant', why, client.service);
  }
  const session = await ctx.store.findSession(user.sid);
  if (!session || session.revoked || session.userId !== user.sub || session.expiresAt.getTime() <= ctx.now())
    throw refuse(ctx, 'invalid_grant', 'The session of subject_token has ended', client.service);
  const roles = scopedRoles(user.roles, params.scope);
  const { token, claims } = signDelegatedToken(
    {
      service: client.service,
      credential: client.credential,
      audience: params.audience[0]!,
      user: { ...user, roles },
      notAfter: user.exp,
      ttlSeconds: ctx.serviceIdentity.ttlSeconds,
    },
    ctx.keyRing,
    { ...ctx.config.kit.token, now: ctx.now },
  );
  ctx.metrics.serviceTokens.inc({ grant: 'token_exchange', service: client.service });
  ctx.logger.info(
    { service: client.service, audience: claims.aud, sub: user.sub, sid: user.sid, jti: claims.jti },
    'delegated token issued',
  );
  return {
    access_token: token,
    token_type: 'Bearer',
    expires_in: Math.max(0, claims.exp - claims.iat),
    issued_token_type: ACCESS_TOKEN_TYPE,
  };
}

/** `scope` names roles to keep (down-scoping); any role the user does not have is `invalid_scope`. */
function scopedRoles(roles: readonly string[], scope: unknown): string[] {
  if (scope === undefined) return [...roles];
  if (typeof scope !== 'string') throw new OAuthError('invalid_scope', 'scope must be a string');
  const asked = [...new Set(scope.split(' ').filter((s) => s !== ''))];
  const extra = asked.filter((r) => !roles.includes(r));
  if (extra.length > 0)
    throw new OAuthError('invalid_scope', `Roles the user does not have: ${extra.join(' ').slice(0, 100)}`);
  return asked;
}

function refuse(ctx: AuthContext, code: 'invalid_client' | 'invalid_grant', why: string, service?: string): OAuthError {
  ctx.metrics.serviceTokenRefusals.inc({ error: code });
  ctx.logger.warn({ error: code, why, ...(service ? { service } : {}) }, 'service token refused');
  return new OAuthError(code, why);
}
