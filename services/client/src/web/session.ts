import { api, ApiError, endSession, ErrorCodes, refreshSession } from './api.js';

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
  if (!answer.currentUser && answer.tokenError === ErrorCodes.tokenExpired) {
    const refreshed = await refreshSession();
    if (refreshed.ok) answer = await api<CurrentUserAnswer>('/api/users/currentuser');
    else if (refreshed.errors[0]?.code === ErrorCodes.userBanned) endSession('banned');
    // Any 401 code: the session cannot be refreshed (revoked, expired, reused).
    else if (refreshed.status === 401) endSession('revoked');
    // Anything else (the service busy or down) is not the end of the session: say so and retry later.
    else throw new ApiError(refreshed.status, refreshed.errors);
  } else if (!answer.currentUser && answer.tokenError === ErrorCodes.tokenRevoked) {
    endSession('revoked');
  }
  setCurrentUser(answer.currentUser);
  return answer.currentUser;
}
