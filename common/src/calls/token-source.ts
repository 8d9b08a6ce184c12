import { ServiceUnavailableError } from '../errors/http-errors';
import { NotAuthenticatedError } from '../errors/http-errors';
import { JWT_BEARER_ASSERTION_TYPE, signClientAssertion, type ServiceCredential } from '../tokens/client-assertion';

/** A token as the token endpoint hands it out. */
export interface IssuedToken {
  token: string;
  /** When it expires, ms since the epoch (this process's clock: now + `expires_in`). */
  expiresAt: number;
}

/** Where a service gets its tokens: the auth service's token endpoint, or (in auth itself) its own signer. */
export interface ServiceTokenSource {
  /** Client credentials: a token of the service's own for `audience`. */
  clientCredentials(audience: readonly string[]): Promise<IssuedToken>;
  /** Token exchange: a token for `audience` on behalf of the user whose access token is `subjectToken`. */
  exchange(subjectToken: string, audience: string): Promise<IssuedToken>;
}

const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * The token endpoint over HTTP (`POST /api/services/token`), authenticating with a private-key
 * JWT (RFC 7523) made fresh for every request. A refused exchange (the user's session was revoked,
 * say) is a `NotAuthenticatedError` for the caller; an endpoint that can't be reached or answers
 * 5xx is a `ServiceUnavailableError`.
 */
export function httpTokenSource(options: {
  tokenUrl: string;
  credential: ServiceCredential;
  /** The auth service's issuer identifier: the assertions' `aud`. */
  issuer: string;
  now?: () => number;
}): ServiceTokenSource {
  const now = options.now ?? Date.now;
  const request = async (params: Record<string, string>): Promise<IssuedToken> => {
    const body = new URLSearchParams({
      ...params,
      client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
      client_assertion: signClientAssertion(options.credential, options.issuer, now),
    });
    let res: Response;
    try {
      res = await fetch(options.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(5000),
      });
    } catch (err) {
      throw new ServiceUnavailableError(`The token endpoint cannot be reached: ${String(err)}`);
    }
    const answer = (await res.json().catch(() => ({}))) as {
      access_token?: unknown;
      expires_in?: unknown;
      error?: unknown;
      error_description?: unknown;
    };
    if (res.ok && typeof answer.access_token === 'string' && typeof answer.expires_in === 'number')
      return { token: answer.access_token, expiresAt: now() + answer.expires_in * 1000 };
    const error = typeof answer.error === 'string' ? answer.error : String(res.status);
    const description = typeof answer.error_description === 'string' ? answer.error_description : 'no description';
    const why = `${error}: ${description}`;
    if (res.status >= 500) throw new ServiceUnavailableError(`The token endpoint failed (${why})`);
    throw new NotAuthenticatedError(`The token endpoint refused (${why})`);
  };
  return {
    clientCredentials: (audience) => request({ grant_type: 'client_credentials', audience: audience.join(' ') }),
    exchange: (subjectToken, audience) =>
      request({
        grant_type: TOKEN_EXCHANGE_GRANT,
        subject_token: subjectToken,
        subject_token_type: ACCESS_TOKEN_TYPE,
        audience,
      }),
  };
}
