import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { OidcLogoutConfig } from './oidc-config';

/** The `events` member that makes a JWT a logout token (OIDC Back-Channel Logout 1.0 §2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** What a valid logout token says: log out session `sid`, or every session of `sub` when no `sid`. */
export interface LogoutToken {
  jti: string;
  /** Seconds since the epoch, as the IdP wrote it. */
  iat: number;
  sid?: string;
  sub?: string;
}

/** A logout token that fails validation: the receiver answers 400 `invalid_request` with `reason`. */
export class LogoutTokenInvalidError extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
    this.name = 'LogoutTokenInvalidError';
  }
}

/** The IdP's keys could not be fetched: the receiver answers 503, and the IdP may send the token again. */
export class LogoutKeysUnavailableError extends Error {
  constructor(options?: { cause?: unknown }) {
    super("The identity provider's keys could not be fetched", options);
    this.name = 'LogoutKeysUnavailableError';
  }
}

/** The key set a verifier checks signatures with; the IdP's `jwks_uri` in production. */
export type LogoutKeySet = JWTVerifyGetKey;

/**
 * The IdP's JWKS, fetched on first use and again on an unknown `kid` at most once per 30 s
 * (jose's cooldown), so a flood of logout tokens with made-up key ids costs the IdP nothing.
 */
export function remoteLogoutKeySet(config: Pick<OidcLogoutConfig, 'jwksUri'>): LogoutKeySet {
  return createRemoteJWKSet(new URL(config.jwksUri), {
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000,
    timeoutDuration: 5_000,
  });
}

/** A logout token's `typ`, when it has one: explicitly typed (`logout+jwt`) or plain `JWT`. */
const ACCEPTED_TYPES = new Set(['logout+jwt', 'application/logout+jwt', 'jwt']);
const MAX_TOKEN_LENGTH = 8 * 1024;
const MAX_ID = 256;

/**
 * Validate a logout token as OIDC Back-Channel Logout 1.0 §2.6 says: signature by the IdP's key
 * (an algorithm from the list, never `none`), `iss`, `aud` (our client id), `iat` (present, not in
 * the future, not older than the configured age), `exp` when present, `jti`, an `events` object
 * with the back-channel-logout member, `sid` and/or `sub`, and no `nonce`. An explicit `typ` other
 * than `logout+jwt` (or `JWT`) is refused: an access or ID token must never pass for a logout.
 * The replay check (`jti`) is the caller's. Throws `LogoutTokenInvalidError`.
 */
export async function verifyLogoutToken(
  token: string,
  keys: LogoutKeySet,
  config: Pick<OidcLogoutConfig, 'issuer' | 'clientId' | 'algorithms' | 'logoutTokenMaxAgeSeconds'>,
  options: { now: () => number; clockToleranceSeconds: number },
): Promise<LogoutToken> {
  if (token.length > MAX_TOKEN_LENGTH) throw new LogoutTokenInvalidError('logout_token is too long');
  let payload: Record<string, unknown>;
  let typ: string | undefined;
  try {
    const verified = await jwtVerify(token, keys, {
      issuer: config.issuer,
      audience: config.clientId,
      algorithms: [...config.algorithms],
      clockTolerance: options.clockToleranceSeconds,
      maxTokenAge: config.logoutTokenMaxAgeSeconds,
      requiredClaims: ['iat', 'jti', 'events'],
      currentDate: new Date(options.now()),
    });
    payload = verified.payload;
    typ = verified.protectedHeader.typ;
  } catch (err) {
    // Not the token's fault: the JWKS did not answer (timeout, refused, not JSON).
    if (!(err instanceof errors.JOSEError) || keysUnavailable(err))
      throw new LogoutKeysUnavailableError({ cause: err });
    throw new LogoutTokenInvalidError(describe(err), { cause: err });
  }
  if (typ !== undefined && !ACCEPTED_TYPES.has(typ.toLowerCase()))
    throw new LogoutTokenInvalidError(`typ "${typ}" is not logout+jwt`);
  if ('nonce' in payload) throw new LogoutTokenInvalidError('a logout token must not contain nonce');
  const events = payload.events;
  if (typeof events !== 'object' || events === null || Array.isArray(events))
    throw new LogoutTokenInvalidError('events must be a JSON object');
  const member = (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT];
  if (typeof member !== 'object' || member === null || Array.isArray(member))
    throw new LogoutTokenInvalidError(`events must contain the member ${BACKCHANNEL_LOGOUT_EVENT} (an object)`);
  const jti = id(payload.jti, 'jti');
  const sid = payload.sid === undefined ? undefined : id(payload.sid, 'sid');
  const sub = payload.sub === undefined ? undefined : id(payload.sub, 'sub');
  if (sid === undefined && sub === undefined) throw new LogoutTokenInvalidError('a logout token needs sid or sub');
  if (!Number.isSafeInteger(payload.iat)) throw new LogoutTokenInvalidError('iat must be whole seconds');
  return {
    jti,
    iat: payload.iat as number,
    ...(sid !== undefined ? { sid } : {}),
    ...(sub !== undefined ? { sub } : {}),
  };
}

function keysUnavailable(err: errors.JOSEError): boolean {
  return (
    err instanceof errors.JWKSTimeout ||
    err instanceof errors.JWKSInvalid ||
    // jose's remote set: "Expected 200 OK from the JSON Web Key Set HTTP response"
    (err.code === 'ERR_JOSE_GENERIC' && err.message.includes('JSON Web Key Set'))
  );
}

function id(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID)
    throw new LogoutTokenInvalidError(`${name} must be a non-empty string of at most ${MAX_ID} characters`);
  return value;
}

/** What was wrong, in words an IdP's operator can act on; never key material. */
function describe(err: errors.JOSEError): string {
  if (err instanceof errors.JWTClaimValidationFailed) return `${err.claim}: ${err.message}`;
  if (err instanceof errors.JWTExpired) return 'the logout token has expired';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'signature verification failed';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'the signature algorithm is not allowed';
  if (err instanceof errors.JWKSNoMatchingKey) return 'no key of the IdP matches the token';
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid)
    return 'the logout token is not a signed JWT';
  return (err as Error).message;
}
