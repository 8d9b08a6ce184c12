import { ConfigError } from '@authbus/common';
import { parseInteger, parseList, parseUrl, parseWholeSeconds, present } from '@authbus/service-kit';

/** Signature algorithms a logout token may use (never `none`). */
export const LOGOUT_TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'] as const;
export type LogoutTokenAlgorithm = (typeof LOGOUT_TOKEN_ALGORITHMS)[number];

/**
 * The identity provider whose back-channel logouts this service turns into authbus revocations
 * (`POST /api/oidc/backchannel-logout`). Absent when `OIDC_ISSUER` is unset: the route is then a 404.
 */
export interface OidcLogoutConfig {
  /** The IdP's `iss`, exactly as its tokens carry it. */
  issuer: string;
  /** Our client id at the IdP: the logout token's `aud` must contain it. */
  clientId: string;
  /** The IdP's JWKS document. */
  jwksUri: string;
  algorithms: readonly LogoutTokenAlgorithm[];
  /**
   * Put before the IdP's `sid` and `sub` in every event (and by the kit's claim mapping before the
   * claims of the IdP's access tokens), so an IdP id can never name an authbus session or user.
   */
  idPrefix: string;
  /** The longest lifetime of the IdP's access tokens, s: how long a revocation must refuse them. */
  maxTokenLifetimeSeconds: number;
  /** A logout token whose `iat` is older than this is refused, s. */
  logoutTokenMaxAgeSeconds: number;
  /** How many logout token ids are remembered to refuse replays. */
  replayCacheSize: number;
}

/** The environment variables of the back-channel logout receiver (README: "Sign-out at an identity provider"). */
export interface OidcEnv {
  OIDC_ISSUER?: string | undefined;
  OIDC_CLIENT_ID?: string | undefined;
  OIDC_JWKS_URI?: string | undefined;
  OIDC_ALGORITHMS?: string | undefined;
  OIDC_ID_PREFIX?: string | undefined;
  OIDC_MAX_TOKEN_LIFETIME?: string | undefined;
  OIDC_LOGOUT_TOKEN_MAX_AGE?: string | undefined;
  OIDC_REPLAY_CACHE_SIZE?: string | undefined;
}

const PREFIX = /^[A-Za-z0-9._-]{1,32}:$/;

/** Read the receiver's configuration; undefined when `OIDC_ISSUER` is unset. Throws `ConfigError`. */
export function oidcLogoutFromEnv(env: OidcEnv): OidcLogoutConfig | undefined {
  if (!present(env.OIDC_ISSUER)) {
    for (const name of ['OIDC_CLIENT_ID', 'OIDC_JWKS_URI'] as const) {
      if (present(env[name])) throw new ConfigError(`${name} is set but OIDC_ISSUER is not`);
    }
    return undefined;
  }
  if (!present(env.OIDC_CLIENT_ID))
    throw new ConfigError('OIDC_ISSUER needs OIDC_CLIENT_ID (our client id at the IdP)');
  const idPrefix = present(env.OIDC_ID_PREFIX) ? env.OIDC_ID_PREFIX : 'oidc:';
  if (!PREFIX.test(idPrefix)) {
    throw new ConfigError(
      `OIDC_ID_PREFIX="${idPrefix}" must be 1 to 32 letters, digits, . _ or - followed by ":" (authbus ids have no ":", so prefixed ids never collide with them)`,
    );
  }
  const algorithms = parseList(env.OIDC_ALGORITHMS);
  for (const alg of algorithms) {
    if (!(LOGOUT_TOKEN_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new ConfigError(`OIDC_ALGORITHMS: "${alg}" is not one of ${LOGOUT_TOKEN_ALGORITHMS.join(', ')}`);
    }
  }
  return {
    issuer: env.OIDC_ISSUER,
    clientId: env.OIDC_CLIENT_ID,
    jwksUri: parseUrl(env.OIDC_JWKS_URI, 'OIDC_JWKS_URI', {
      protocols: ['https:', 'http:'],
      example: 'https://idp.example.com/realms/main/protocol/openid-connect/certs',
    }),
    algorithms: algorithms.length > 0 ? (algorithms as LogoutTokenAlgorithm[]) : ['RS256', 'ES256'],
    idPrefix,
    maxTokenLifetimeSeconds: parseWholeSeconds(env.OIDC_MAX_TOKEN_LIFETIME, 'OIDC_MAX_TOKEN_LIFETIME', '1h'),
    logoutTokenMaxAgeSeconds: parseWholeSeconds(env.OIDC_LOGOUT_TOKEN_MAX_AGE, 'OIDC_LOGOUT_TOKEN_MAX_AGE', '5m'),
    replayCacheSize: parseInteger(
      env.OIDC_REPLAY_CACHE_SIZE,
      'OIDC_REPLAY_CACHE_SIZE',
      { min: 1, max: 10_000_000 },
      100_000,
    ),
  };
}
