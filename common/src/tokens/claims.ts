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

/**
 * The claims of a decoded payload, if it has exactly the claim types authbus relies on; undefined
 * if not. A token without `gen` (issued by auth 0.1) is generation 0: refused by every cut-off,
 * since a cut-off always raises the generation to at least 1, so readers can be upgraded before
 * the auth service without refusing the tokens it still issues.
 */
export function accessClaimsOf(payload: unknown): AccessClaims | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const p = payload as Record<string, unknown>;
  if (p.gen === undefined) p.gen = 0;
  return hasClaimTypes(p) ? (p as unknown as AccessClaims) : undefined;
}

function hasClaimTypes(p: Record<string, unknown>): boolean {
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
