import { ConfigError, type KeyRing, type ServiceTokenSource, type TokenOptions } from '@authbus/common';
import { signServiceToken } from '@authbus/common/issuer';

/** The credential id auth's own service tokens carry: it signs them itself, with no client key. */
export const AUTH_OWN_CREDENTIAL = 'auth-signing-key';

/**
 * Auth's own tokens, signed in-process (auth is the token endpoint: it does not call itself over
 * HTTP). Auth acts for nobody, so it does not exchange tokens.
 */
export function ownTokenSource(keyRing: KeyRing, ttlSeconds: number, token: TokenOptions): ServiceTokenSource {
  const now = token.now ?? Date.now;
  return {
    async clientCredentials(audience) {
      const { token: signed, claims } = signServiceToken(
        { service: 'auth', credential: AUTH_OWN_CREDENTIAL, audience, ttlSeconds },
        keyRing,
        token,
      );
      return { token: signed, expiresAt: now() + (claims.exp - claims.iat) * 1000 };
    },
    exchange() {
      return Promise.reject(new ConfigError('The auth service does not exchange tokens for itself'));
    },
  };
}
