/**
 * The request-auth variants compared side by side. The first seven serve the same small route in
 * a bench server process (only what runs in front of it differs); the last two are the auth
 * service's own `GET /api/users/currentuser`, without and with a session cookie.
 */
export const THROUGHPUT_CASES = [
  'none',
  'courseStyle',
  'authbus',
  'authbusES256',
  'authbusRS256',
  'redisDenylist',
  'introspection',
  'authCurrentUserAnonymous',
  'authCurrentUser',
] as const;
export type ThroughputCase = (typeof THROUGHPUT_CASES)[number];

/** The cases served by `app-server.js` (the others by the auth service). */
export type AppCase = Exclude<ThroughputCase, 'authCurrentUserAnonymous' | 'authCurrentUser'>;
export const APP_CASES = THROUGHPUT_CASES.filter(
  (c): c is AppCase => c !== 'authCurrentUserAnonymous' && c !== 'authCurrentUser',
);

/** The signing algorithm of each authbus case (the others use HS256). */
export const CASE_ALGORITHM: Partial<Record<ThroughputCase, 'ES256' | 'RS256'>> = {
  authbusES256: 'ES256',
  authbusRS256: 'RS256',
};

export const BENCH_SECRET = 'authbus-bench-secret-0123456789abcdef0123456789';
export const BENCH_KID = 'bench';
