/** One entry of the services' `{ errors: [...] }` body. */
export interface ErrorItem {
  message: string;
  field?: string;
  code?: string;
}

/**
 * The error codes the page acts on; every code, its status and what a client should do:
 * docs/errors.md. The page decides on codes, never on messages (those are for people).
 */
export const ErrorCodes = {
  /** 401: the access token merely expired: refresh it and retry. */
  tokenExpired: 'ERR_TOKEN_EXPIRED',
  /** 401: the session was revoked (sign-out, sign-out everywhere, ban): sign in again. */
  tokenRevoked: 'ERR_TOKEN_REVOKED',
  /** 403: the account is banned: no refresh, no sign-in. */
  userBanned: 'ERR_USER_BANNED',
  /** 503: a sign-out was recorded (cookie cleared) but takes effect in other services only once the event bus is back. */
  revocationPending: 'ERR_REVOCATION_PENDING',
} as const;

/** An API call that answered with an error. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: ErrorItem[],
  ) {
    super(errors.map((e) => e.message).join('; ') || `HTTP ${status}`);
  }

  get code(): string | undefined {
    return this.errors[0]?.code;
  }

  /** The message for a form field, if the server named one. */
  forField(field: string): string | undefined {
    return this.errors.find((e) => e.field === field)?.message;
  }
}

/** Why a session ended on the server, as the client learns it. */
export type SessionEnd = 'revoked' | 'banned' | 'ended';

let onSessionEnded: (why: SessionEnd) => void = () => undefined;

/** Called when an API call shows that the signed-in session is over (revoked, banned). */
export function whenSessionEnds(handler: (why: SessionEnd) => void): void {
  onSessionEnded = handler;
}

/** The outcome of a refresh, read once and shared by every caller waiting on it. */
export interface Refreshed {
  ok: boolean;
  status: number;
  errors: ErrorItem[];
}

let refreshing: Promise<Refreshed> | undefined;

/** Refresh the access token (one request however many callers ask at once). */
export function refreshSession(): Promise<Refreshed> {
  refreshing ??= send('/api/users/refresh', { method: 'POST' })
    .then(async (res) => ({ ok: res.ok, status: res.status, errors: res.ok ? [] : await errorsOf(res) }))
    .finally(() => (refreshing = undefined));
  return refreshing;
}

/** Tell the page the session is over (a refused refresh, a revoked token seen at load). */
export function endSession(why: SessionEnd): void {
  onSessionEnded(why);
}

/**
 * `fetch` for the API, with the session cookie (same origin; the cookie is httpOnly, the page never
 * sees the token). When the access token has merely expired, it refreshes once through
 * `/api/users/refresh` and retries, transparently; concurrent calls share one refresh. A revoked or
 * banned session is never refreshed: the caller gets the error and the page is told the session ended.
 */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  let res = await send(path, init);
  if (res.status === 401 && (await codeOf(res)) === ErrorCodes.tokenExpired) {
    const refreshed = await refreshSession();
    if (!refreshed.ok) throw failed(new ApiError(refreshed.status, refreshed.errors));
    res = await send(path, init);
  }
  if (!res.ok) throw failed(new ApiError(res.status, await errorsOf(res)));
  return (await res.json()) as T;
}

/** Tell the page when an error means the session is over, and hand the error back. */
function failed(error: ApiError): ApiError {
  const end = sessionEndOf(error);
  if (end) onSessionEnded(end);
  return error;
}

function send(path: string, init: { method?: string; body?: unknown }): Promise<Response> {
  return fetch(path, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    credentials: 'same-origin',
    headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
}

async function codeOf(res: Response): Promise<string | undefined> {
  return (await errorsOf(res.clone()))[0]?.code;
}

async function errorsOf(res: Response): Promise<ErrorItem[]> {
  try {
    const body = (await res.json()) as { errors?: ErrorItem[] };
    return Array.isArray(body.errors) ? body.errors : [];
  } catch {
    return [{ message: `HTTP ${res.status}` }];
  }
}

function sessionEndOf(error: ApiError): SessionEnd | undefined {
  switch (error.code) {
    case ErrorCodes.userBanned:
      return 'banned';
    case ErrorCodes.tokenRevoked:
      return 'revoked';
    default:
      // Every other 401 code (no token, an invalid or expired one that could not be refreshed).
      return error.status === 401 ? 'ended' : undefined;
  }
}
