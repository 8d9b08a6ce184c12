import type { AccessClaims } from './claims';

/**
 * Where the claims authbus needs are found in another issuer's access tokens (an identity
 * provider such as Keycloak, Auth0 or Okta), so `createAuthKit` can verify them and still apply
 * authbus revocation. Each entry is a dotted path into the payload (`realm_access.roles`).
 *
 * ```ts
 * // Keycloak: roles in realm_access.roles, no gen claim, ids prefixed as the auth service's
 * // back-channel logout receiver prefixes them (OIDC_ID_PREFIX)
 * const claims: ClaimMapping = { roles: 'realm_access.roles', gen: 'iat', idPrefix: 'oidc:' };
 * ```
 */
export interface ClaimMapping {
  /** User id; default `sub`. */
  sub?: string;
  /** Session id; default `sid`. */
  sid?: string;
  /** Roles, an array of strings; default `roles`. Missing: no roles. */
  roles?: string;
  /** Default `email`. Missing: `''`. */
  email?: string;
  /** Token id; default `jti`. Missing: `''`. */
  jti?: string;
  /**
   * The token's generation: `'iat'` (the default for mapped tokens, which carry no `gen`) reads
   * the issue time, so a user cut-off with `belowGeneration = t + 1` refuses every token issued
   * up to second `t`, which is how the back-channel logout receiver cuts a user off; or a path.
   */
  gen?: 'iat' | (string & {});
  /**
   * Put before `sub` and `sid` (`oidc:`), so the issuer's ids cannot name an authbus user or
   * session: revocations for them carry the same prefix. Default none.
   */
  idPrefix?: string;
}

const MAX_ID = 320;
const MAX_ROLES = 32;

/**
 * The access claims of a verified payload of another issuer, read through `mapping`; undefined
 * when `sub`, `sid`, `iat` or `exp` is missing or of the wrong type, or the roles are not short
 * strings. `iss` and `aud` are the values the verifier checked.
 */
export function mapClaims(
  payload: Record<string, unknown>,
  mapping: ClaimMapping,
  checked: { iss: string; aud: string },
): AccessClaims | undefined {
  const prefix = mapping.idPrefix ?? '';
  const sub = at(payload, mapping.sub ?? 'sub');
  const sid = at(payload, mapping.sid ?? 'sid');
  const { iat, exp } = payload;
  if (!isId(sub, prefix) || !isId(sid, prefix) || !Number.isSafeInteger(iat) || !Number.isSafeInteger(exp))
    return undefined;
  const roles = at(payload, mapping.roles ?? 'roles') ?? [];
  if (!Array.isArray(roles) || roles.length > MAX_ROLES || !roles.every((r) => isId(r, ''))) return undefined;
  const email = at(payload, mapping.email ?? 'email');
  const jti = at(payload, mapping.jti ?? 'jti');
  const gen = mapping.gen === undefined || mapping.gen === 'iat' ? iat : at(payload, mapping.gen);
  if (!Number.isSafeInteger(gen) || (gen as number) < 0) return undefined;
  return {
    sub: prefix + sub,
    sid: prefix + sid,
    email: typeof email === 'string' && email.length <= MAX_ID ? email : '',
    roles: roles,
    jti: typeof jti === 'string' && jti.length <= MAX_ID ? jti : '',
    gen: gen as number,
    iat: iat as number,
    exp: exp as number,
    iss: checked.iss,
    aud: checked.aud,
  };
}

function at(payload: Record<string, unknown>, path: string): unknown {
  let value: unknown = payload;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function isId(value: unknown, prefix: string): value is string {
  return typeof value === 'string' && value.length > 0 && value.length + prefix.length <= MAX_ID;
}
