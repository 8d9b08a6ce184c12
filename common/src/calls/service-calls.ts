import type { Request } from 'express';
import { ConfigError } from '../errors/config-error';
import { NotAuthenticatedError } from '../errors/http-errors';
import { requestToken } from '../http/request-token';
import { TokenCache } from './token-cache';
import type { ServiceTokenSource } from './token-source';

/** What `fetchAsService` and `fetchOnBehalf` take besides the usual `fetch` options. */
export interface ServiceCallInit extends RequestInit {
  /** The service called: the token's audience. */
  audience: string;
}

/** Calls to other services with tokens of this service, obtained, cached and renewed here. */
export interface ServiceCalls {
  fetchAsService(url: string | URL, init: ServiceCallInit): Promise<Response>;
  fetchOnBehalf(req: Request, url: string | URL, init: ServiceCallInit): Promise<Response>;
  /** Forget cached tokens (after this service's credential was revoked). */
  clear(): void;
}

const MAX_DELEGATED = 10_000;

/** Build the calls over a token source; without one, each call fails with a `ConfigError` saying why. */
export function createServiceCalls(
  source: ServiceTokenSource | undefined,
  now: () => number,
  onRequested: (grant: 'client_credentials' | 'token_exchange', ok: boolean) => void = () => undefined,
): ServiceCalls {
  const counted = <T>(grant: 'client_credentials' | 'token_exchange', issued: Promise<T>): Promise<T> =>
    issued.then(
      (value) => {
        onRequested(grant, true);
        return value;
      },
      (err: unknown) => {
        onRequested(grant, false);
        throw err;
      },
    );
  const own = new TokenCache({ maxEntries: 64, now });
  const delegated = new TokenCache({ maxEntries: MAX_DELEGATED, now });
  const need = (): ServiceTokenSource => {
    if (!source)
      throw new ConfigError('This service has no credential: set SERVICE_PRIVATE_KEY to call other services as itself');
    return source;
  };
  const withToken = (url: string | URL, init: ServiceCallInit, token: string): Promise<Response> => {
    const { audience: _audience, ...rest } = init;
    const headers = new Headers(rest.headers);
    headers.set('authorization', `Bearer ${token}`);
    return fetch(url, { ...rest, headers });
  };
  return {
    async fetchAsService(url, init) {
      const s = need();
      const token = await own.get(init.audience, () =>
        counted('client_credentials', s.clientCredentials([init.audience])),
      );
      return withToken(url, init, token);
    },
    async fetchOnBehalf(req, url, init) {
      const s = need();
      // Only a user's own token can be exchanged: a token already exchanged (a service acting for
      // the user) is not exchanged again, so a chain of calls can never widen what it reaches.
      if (req.caller?.kind !== 'user') throw new NotAuthenticatedError('No user token to act on');
      const userToken = requestToken(req.headers);
      if (userToken === undefined) throw new NotAuthenticatedError();
      const token = await delegated.get(`${init.audience} ${userToken}`, () =>
        counted('token_exchange', s.exchange(userToken, init.audience)),
      );
      return withToken(url, init, token);
    },
    clear() {
      own.clear();
      delegated.clear();
    },
  };
}
