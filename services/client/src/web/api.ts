/** One entry of the services' `{ errors: [...] }` body. */
export interface ErrorItem {
  message: string;
  field?: string;
  code?: string;
}

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

let refreshing: Promise<Response> | undefined;

/** Refresh the access token (one request however many callers ask at once). */
export function refreshSession(): Promise<Response> {
  refreshing ??= send('/api/users/refresh', { method: 'POST' }).finally(() => (refreshing = undefined));
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
  if (res.status === 401 && (await codeOf(res)) === 'ERR_TOKEN_EXPIRED') {
    const refreshed = await refreshSession();
    if (refreshed.ok) {
      res = await send(path, init);
    } else {
      res = refreshed;
    }
  }
  if (!res.ok) {
    const error = new ApiError(res.status, await errorsOf(res));
    const end = sessionEndOf(error);
    if (end) onSessionEnded(end);
    throw error;
  }
  return (await res.json()) as T;
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
  if (error.status === 403 && error.message === 'Account banned') return 'banned';
  if (error.status !== 401) return undefined;
  return error.code === 'ERR_TOKEN_REVOKED' ? 'revoked' : 'ended';
}
