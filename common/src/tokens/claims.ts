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
  /**
   * The user's token generation when the token was issued. A sign-out everywhere or a ban raises
   * the user's generation and refuses every token below it: no clock is involved, so no token can
   * be issued "after" a cut-off by moving its `iat`.
   */
  gen: number;
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
  /** The user's current token generation (0 for a user never cut off). */
  gen: number;
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
    Number.isSafeInteger(p.iat) &&
    Number.isSafeInteger(p.exp) &&
    Number.isSafeInteger(p.gen) &&
    (p.gen as number) >= 0 &&
    Array.isArray(p.roles) &&
    p.roles.length <= MAX_ROLES &&
    p.roles.every(isShortString)
  );
}

function isShortString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 320;
}
