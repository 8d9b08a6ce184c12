import type { AuthbusError } from '../errors/authbus-error';
import type { AccessClaims } from '../tokens/claims';
import type { Caller } from './caller';

/** What `kit.currentUser` adds to every Express request. */
export interface RequestAuth {
  /** The verified, unrevoked claims of the caller; `null` when anonymous or refused. */
  currentUser?: AccessClaims | null;
  /** Who called: a user, a service, or a service acting for a user; `null` when anonymous or refused. */
  caller?: Caller | null;
  /** Why the presented token was refused, when it was; `requireAuth` fails with it. */
  authError?: AuthbusError;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Request extends RequestAuth {}
  }
}
