import { createKeyRing, type KeyRing } from '../tokens/key-ring';
import { newTokenId, signAccessToken, type SignOptions } from '../tokens/sign-access-token';
import { encodeSessionCookieValue, SESSION_COOKIE_NAME } from '../http/session-cookie';
import type { AccessClaims } from '../tokens/claims';

/** A fixed HS256 test secret (32+ bytes). Never use it outside tests. */
export const TEST_JWT_SECRET = 'authbus-test-secret-0123456789abcdef0123456789';

/** A key ring with one HS256 test key (kid `test`). */
export function testKeyRing(secret = TEST_JWT_SECRET, kid = 'test'): KeyRing {
  return createKeyRing({ keys: [{ kid, secret }], activeKid: kid });
}

/** The user a test token is for; everything has a default. */
export interface TestUser {
  sub?: string;
  email?: string;
  roles?: string[];
  sid?: string;
  /** The user's token generation; default 0. */
  gen?: number;
  jti?: string;
}

/** A signed access token and its claims for a test user. */
export function signTestToken(
  user: TestUser = {},
  keyRing = testKeyRing(),
  options: SignOptions = {},
): { token: string; claims: AccessClaims } {
  return signAccessToken(
    {
      sub: user.sub ?? newTokenId(),
      email: user.email ?? 'test@example.com',
      roles: user.roles ?? [],
      sid: user.sid ?? newTokenId(),
      gen: user.gen ?? 0,
      ...(user.jti !== undefined ? { jti: user.jti } : {}),
    },
    keyRing,
    options,
  );
}

/** A `Cookie` header value carrying a test token the way the auth service sets it. */
export function testSessionCookie(
  user: TestUser = {},
  keyRing = testKeyRing(),
  options: SignOptions = {},
): { cookie: string; claims: AccessClaims } {
  const { token, claims } = signTestToken(user, keyRing, options);
  return { cookie: sessionCookieHeader(token), claims };
}

/** `session=<value>` for a token. */
export function sessionCookieHeader(token: string): string {
  return `${SESSION_COOKIE_NAME}=${encodeSessionCookieValue(token)}`;
}
