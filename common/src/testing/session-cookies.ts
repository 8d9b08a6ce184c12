import type { AccessClaims } from '../tokens/claims';

/**
 * The `session=<value>` pair a response set, from its `Set-Cookie` header(s) (a fetch `Response`,
 * supertest's header array, or one header line). Throws when there is none.
 */
export function sessionCookieFrom(response: Response | readonly string[] | string): string {
  const lines =
    typeof response === 'string'
      ? [response]
      : Array.isArray(response)
        ? response
        : (response as Response).headers.getSetCookie();
  const line = (lines as readonly string[]).find((l) => l.startsWith('session='));
  if (line === undefined) throw new Error('no session cookie was set');
  return line.split(';')[0]!;
}

/** The access token inside a `session=<value>` cookie (or a bare value), as cookie-session stores `{ jwt }`. */
export function tokenOfCookie(cookie: string): string {
  const value = cookie.startsWith('session=') ? cookie.slice('session='.length).split(';')[0]! : cookie;
  const { jwt } = JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as { jwt?: unknown };
  if (typeof jwt !== 'string') throw new Error('the cookie holds no jwt');
  return jwt;
}

/**
 * The claims of the token in a session cookie, decoded WITHOUT verifying it: for tests that need
 * the `sid`, `exp` or `gen` of a token the service under test issued.
 */
export function claimsOfCookie(cookie: string): AccessClaims {
  const payload = tokenOfCookie(cookie).split('.')[1];
  if (payload === undefined) throw new Error('the cookie holds no JWS');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as AccessClaims;
}
