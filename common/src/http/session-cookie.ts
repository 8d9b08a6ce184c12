import cookieSession from 'cookie-session';
import type { Request, RequestHandler } from 'express';
import { CookieMalformedError } from '../errors/token-errors';

/** Name of the cookie that carries `{ jwt }`. */
export const SESSION_COOKIE_NAME = 'session';

/** Largest session cookie value accepted (browsers cap a cookie near 4 KiB). */
export const MAX_SESSION_COOKIE_LENGTH = 4096;

/** Options for the session cookie; everything else is fixed so every service agrees. */
export interface SessionCookieOptions {
  /**
   * Send the cookie only over HTTPS. Default true; turn off only for local plain http
   * (`NODE_ENV=test`, or `COOKIE_SECURE=false` on a laptop).
   */
  secure?: boolean;
  /** Cookie domain, when services live on sibling hosts. */
  domain?: string;
  /** Cookie lifetime in ms; default: a browser-session cookie (the JWT inside has its own `exp`). */
  maxAgeMs?: number;
}

/**
 * The `cookie-session` middleware configured the authbus way: cookie `session` holding `{ jwt }`,
 * unsigned (the JWT is itself signed), `httpOnly`, `sameSite: 'lax'`, `secure` unless disabled.
 * Only the service that sets the cookie (auth) needs it; readers use `readSessionToken`.
 */
export function sessionCookie(options: SessionCookieOptions = {}): RequestHandler {
  return cookieSession({
    name: SESSION_COOKIE_NAME,
    signed: false,
    httpOnly: true,
    sameSite: 'lax',
    secure: options.secure ?? true,
    ...(options.domain !== undefined ? { domain: options.domain } : {}),
    ...(options.maxAgeMs !== undefined ? { maxAge: options.maxAgeMs } : {}),
  });
}

type WithSession = { session?: { jwt?: string } | null };

/** Put a token in the session cookie (after `sessionCookie()`); sent with the response. */
export function setSessionToken(req: Request, token: string): void {
  (req as unknown as WithSession).session = { jwt: token };
}

/** Clear the session cookie (after `sessionCookie()`). */
export function clearSessionCookie(req: Request): void {
  (req as unknown as WithSession).session = null;
}

/** Encode a token the way `cookie-session` stores `{ jwt }` (base64 JSON). */
export function encodeSessionCookieValue(token: string): string {
  return Buffer.from(JSON.stringify({ jwt: token })).toString('base64');
}

/**
 * Find the session token in a `Cookie` header without any middleware: the fast path every
 * service uses. Returns `undefined` when there is no session cookie (or it holds no jwt);
 * throws `CookieMalformedError` when the cookie is there but is not what authbus writes.
 */
export function readSessionToken(cookieHeader: string | undefined): string | undefined {
  const value = sessionCookieValue(cookieHeader);
  return value === undefined ? undefined : decodeSessionCookieValue(value);
}

/**
 * The raw value of the `session` cookie in a `Cookie` header, undecoded: `undefined` when there is
 * none (or it is empty); throws `CookieMalformedError` when it is too long or percent-encoded.
 */
export function sessionCookieValue(cookieHeader: string | undefined): string | undefined {
  const raw = cookieValue(cookieHeader, SESSION_COOKIE_NAME);
  if (raw === undefined || raw === '') return undefined;
  if (raw.length > MAX_SESSION_COOKIE_LENGTH) throw new CookieMalformedError();
  // cookie-session writes plain base64 and reads the value as it is: a `%` means the value was not
  // written by it, and decoding it here would let this reader see another token than auth does.
  if (raw.includes('%')) throw new CookieMalformedError();
  return raw;
}

/**
 * The token in a `session` cookie value (base64 JSON `{ jwt }`, as `cookie-session` writes it);
 * `undefined` when it holds no jwt; throws `CookieMalformedError` when it is not what authbus writes.
 */
export function decodeSessionCookieValue(raw: string): string | undefined {
  let session: unknown;
  try {
    session = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
  } catch (err) {
    throw new CookieMalformedError({ cause: err });
  }
  if (session === null || typeof session !== 'object') throw new CookieMalformedError();
  const { jwt } = session as { jwt?: unknown };
  if (jwt === undefined) return undefined;
  if (typeof jwt !== 'string') throw new CookieMalformedError();
  return jwt;
}

/** The value of cookie `name` in a `Cookie` header (first occurrence), without allocation of the rest. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  let from = 0;
  while (from < header.length) {
    const at = header.indexOf(name, from);
    if (at < 0) return undefined;
    const end = at + name.length;
    if (isNameStart(header, at) && header.charCodeAt(skipSpaces(header, end)) === 61 /* = */) {
      const start = skipSpaces(header, skipSpaces(header, end) + 1);
      const semi = header.indexOf(';', start);
      return header.slice(start, semi < 0 ? header.length : semi).trim();
    }
    from = end;
  }
  return undefined;
}

function isNameStart(header: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && header.charCodeAt(i) === 32) i--;
  return i < 0 || header.charCodeAt(i) === 59; /* ; */
}

function skipSpaces(header: string, i: number): number {
  while (header.charCodeAt(i) === 32) i++;
  return i;
}
