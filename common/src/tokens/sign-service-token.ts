import jwt from 'jsonwebtoken';
import type { KeyRing } from './key-ring';
import { newTokenId } from './sign-access-token';
import {
  SERVICE_TOKEN_TYPE,
  serviceSubject,
  type DelegatedTokenClaims,
  type ServiceTokenClaims,
} from './service-claims';
import { resolveTokenOptions, type TokenOptions } from './token-options';

/** Default lifetime of service tokens: 5 minutes (`SERVICE_TOKEN_TTL`). */
export const DEFAULT_SERVICE_TOKEN_TTL_SECONDS = 5 * 60;

/** Who a service token is for, and for how long. */
export interface ServiceTokenRequest {
  /** The calling service. */
  service: string;
  /** The id of the credential it authenticated with. */
  credential: string;
  /** Lifetime in seconds; default 5 minutes. */
  ttlSeconds?: number;
}

/** A signed service token and its claims. */
export interface SignedServiceToken<C> {
  token: string;
  claims: C;
}

/**
 * Sign a service's own token (client credentials) for the services in `audience`, with the ring's
 * active key and the `typ` header `SERVICE_TOKEN_TYPE`.
 */
export function signServiceToken(
  request: ServiceTokenRequest & { audience: readonly string[] },
  keyRing: KeyRing,
  options: TokenOptions = {},
): SignedServiceToken<ServiceTokenClaims> {
  const { issuer, now } = resolveTokenOptions(options);
  const iat = Math.floor(now() / 1000);
  const claims: ServiceTokenClaims = {
    token_use: 'service',
    sub: serviceSubject(request.service),
    client_id: request.service,
    cid: request.credential,
    aud: [...request.audience],
    jti: newTokenId(),
    iat,
    exp: iat + (request.ttlSeconds ?? DEFAULT_SERVICE_TOKEN_TTL_SECONDS),
    iss: issuer,
  };
  return { token: sign(claims, keyRing), claims };
}

/**
 * Sign a delegated token (token exchange): `user` down-scoped to one `audience`, with the calling
 * service as `act`. It never outlives the user's token: `exp` is at most `notAfter`.
 */
export function signDelegatedToken(
  request: ServiceTokenRequest & {
    audience: string;
    user: Pick<DelegatedTokenClaims, 'sub' | 'email' | 'roles' | 'sid' | 'gen'>;
    /** The `exp` of the user's token. */
    notAfter: number;
  },
  keyRing: KeyRing,
  options: TokenOptions = {},
): SignedServiceToken<DelegatedTokenClaims> {
  const { issuer, now } = resolveTokenOptions(options);
  const iat = Math.floor(now() / 1000);
  const { user } = request;
  const claims: DelegatedTokenClaims = {
    token_use: 'delegated',
    sub: user.sub,
    email: user.email,
    roles: [...user.roles],
    sid: user.sid,
    gen: user.gen,
    act: { sub: serviceSubject(request.service) },
    client_id: request.service,
    cid: request.credential,
    aud: request.audience,
    jti: newTokenId(),
    iat,
    exp: Math.min(iat + (request.ttlSeconds ?? DEFAULT_SERVICE_TOKEN_TTL_SECONDS), request.notAfter),
    iss: issuer,
  };
  return { token: sign(claims, keyRing), claims };
}

function sign(claims: ServiceTokenClaims | DelegatedTokenClaims, keyRing: KeyRing): string {
  const key = keyRing.signer();
  return jwt.sign(claims, key.signKey!, {
    algorithm: key.alg,
    keyid: key.kid,
    header: { typ: SERVICE_TOKEN_TYPE, alg: key.alg },
  });
}
