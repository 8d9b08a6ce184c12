/** The claims of an authbus access token, as verified. Nothing secret, nothing large. */
export interface AccessClaims {
  /** User id. */
  sub: string;
  email: string;
  roles: string[];
  /** Session id: sign-out revokes every token of this session. */
  sid: string;
  /** Token id: the session record keeps the current one (refresh rotation). */
  jti: string;
  /** Issued at, seconds since the epoch. */
  iat: number;
  /** Expires at, seconds since the epoch. */
  exp: number;
  iss: string;
  aud: string;
}

/** What the signer provides; `iat`, `exp`, `iss`, `aud` (and `jti` if omitted) are filled in. */
export interface AccessTokenSubject {
  sub: string;
  email: string;
  roles: readonly string[];
  sid: string;
  jti?: string;
}

const MAX_ROLES = 32;

/** Does a decoded payload have exactly the claim types authbus relies on? */
export function hasAccessClaimShape(payload: unknown): payload is AccessClaims {
  if (typeof payload !== 'object' || payload === null) return false;
  const p = payload as Record<string, unknown>;
  return (
    isShortString(p.sub) &&
    isShortString(p.email) &&
    isShortString(p.sid) &&
    isShortString(p.jti) &&
    Number.isInteger(p.iat) &&
    Number.isInteger(p.exp) &&
    Array.isArray(p.roles) &&
    p.roles.length <= MAX_ROLES &&
    p.roles.every(isShortString)
  );
}

function isShortString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 320;
}
