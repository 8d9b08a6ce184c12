import { api, ApiError, endSession, refreshSession } from './api.js';

/** The verified claims the services see, as `GET /api/users/currentuser` returns them. */
export interface CurrentUser {
  sub: string;
  email: string;
  roles: string[];
  sid: string;
  iat: number;
  exp: number;
}

let current: CurrentUser | null = null;
const listeners = new Set<() => void>();

export function currentUser(): CurrentUser | null {
  return current;
}

export function isAdmin(): boolean {
  return current?.roles.includes('admin') ?? false;
}

/** Set who is signed in (or nobody) and re-render whatever depends on it. */
export function setCurrentUser(user: CurrentUser | null): void {
  current = user;
  for (const listener of listeners) listener();
}

export function onSessionChange(listener: () => void): void {
  listeners.add(listener);
}

interface CurrentUserAnswer {
  currentUser: CurrentUser | null;
  tokenError?: string;
}

/**
 * Ask the auth service who we are. A token that merely expired (say, the tab slept) is refreshed
 * once and asked again; a revoked one ends the session with a message; `null` when signed out.
 */
export async function loadCurrentUser(): Promise<CurrentUser | null> {
  let answer = await api<CurrentUserAnswer>('/api/users/currentuser');
  if (!answer.currentUser && answer.tokenError === 'ERR_TOKEN_EXPIRED') {
    const refreshed = await refreshSession();
    if (refreshed.ok) answer = await api<CurrentUserAnswer>('/api/users/currentuser');
    else if (refreshed.status === 401 || refreshed.status === 403) endSession(refreshed.status === 403 ? 'banned' : 'revoked');
    // Anything else (the service busy or down) is not the end of the session: say so and retry later.
    else throw new ApiError(refreshed.status, refreshed.errors);
  } else if (!answer.currentUser && answer.tokenError === 'ERR_TOKEN_REVOKED') {
    endSession('revoked');
  }
  setCurrentUser(answer.currentUser);
  return answer.currentUser;
}
