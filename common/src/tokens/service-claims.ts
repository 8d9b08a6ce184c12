import type { AccessClaims } from './claims';

/**
 * The JWS `typ` header of every service token (RFC 8725 §3.11, explicit typing): a verifier of
 * access tokens refuses it, and a verifier of service tokens requires it, so neither kind can be
 * presented where the other is expected, whatever their claims say.
 */
export const SERVICE_TOKEN_TYPE = 'authbus-service+jwt';

/** A service's name: lowercase letters, digits and `-`, starting with a letter, at most 40. */
export const SERVICE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

/** The `sub` (or `act.sub`) of a service: `service:<name>`. */
export type ServiceSubject = `service:${string}`;

/** The `sub` a service's tokens carry. */
export function serviceSubject(name: string): ServiceSubject {
  return `service:${name}`;
}

/** The claims every service token has. */
interface ServiceTokenBase {
  /** The calling service (RFC 8693 `client_id`). */
  client_id: string;
  /** The credential the service authenticated with (its key's JWK thumbprint); revocable. */
  cid: string;
  jti: string;
  iat: number;
  exp: number;
  iss: string;
}

/** A service's own token (client credentials grant): no user behind it. */
export interface ServiceTokenClaims extends ServiceTokenBase {
  token_use: 'service';
  sub: ServiceSubject;
  /** The services it may call. */
  aud: string[];
}

/**
 * A token a service obtained for one callee on a user's behalf (token exchange, RFC 8693): the
 * user's identity and roles, down-scoped to one audience, and the service acting (`act`).
 */
export interface DelegatedTokenClaims extends ServiceTokenBase {
  token_use: 'delegated';
  /** The user. */
  sub: string;
  email: string;
  roles: string[];
  sid: string;
  gen: number;
  act: { sub: ServiceSubject };
  /** The one service it may be presented to. */
  aud: string;
}

/** Either kind of service token. */
export type AnyServiceTokenClaims = ServiceTokenClaims | DelegatedTokenClaims;

const MAX_ROLES = 32;
const MAX_AUDIENCES = 16;

/** The claims of a verified service-token payload if they have exactly the expected types; else undefined. */
export function serviceTokenClaimsOf(payload: Record<string, unknown>): AnyServiceTokenClaims | undefined {
  const p = payload;
  const common =
    isServiceName(p.client_id) &&
    isShortString(p.cid) &&
    isShortString(p.jti) &&
    Number.isSafeInteger(p.iat) &&
    Number.isSafeInteger(p.exp) &&
    typeof p.iss === 'string';
  if (!common) return undefined;
  if (p.token_use === 'service') {
    const ok =
      p.sub === serviceSubject(p.client_id as string) &&
      Array.isArray(p.aud) &&
      p.aud.length > 0 &&
      p.aud.length <= MAX_AUDIENCES &&
      p.aud.every(isServiceName);
    return ok ? (p as unknown as ServiceTokenClaims) : undefined;
  }
  if (p.token_use === 'delegated') {
    const act = p.act as Record<string, unknown> | undefined;
    const ok =
      isShortString(p.sub) &&
      !p.sub.startsWith('service:') &&
      isShortString(p.email) &&
      isShortString(p.sid) &&
      Number.isSafeInteger(p.gen) &&
      (p.gen as number) >= 0 &&
      Array.isArray(p.roles) &&
      p.roles.length <= MAX_ROLES &&
      p.roles.every(isShortString) &&
      typeof act === 'object' &&
      act !== null &&
      act.sub === serviceSubject(p.client_id as string) &&
      isServiceName(p.aud);
    return ok ? (p as unknown as DelegatedTokenClaims) : undefined;
  }
  return undefined;
}

/** The user a delegated token carries, in the shape of access-token claims (`aud` is the callee). */
export function delegatedUser(claims: DelegatedTokenClaims): AccessClaims {
  return {
    sub: claims.sub,
    email: claims.email,
    roles: claims.roles,
    sid: claims.sid,
    jti: claims.jti,
    gen: claims.gen,
    iat: claims.iat,
    exp: claims.exp,
    iss: claims.iss,
    aud: claims.aud,
  };
}

export function isServiceName(value: unknown): value is string {
  return typeof value === 'string' && SERVICE_NAME_PATTERN.test(value);
}

function isShortString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 320;
}
