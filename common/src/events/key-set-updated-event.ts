import type { PublicJwk } from '../tokens/jwk';
import type { Subjects } from './subjects';

/**
 * The auth service's verification key set, whole, each time it changes (rotation, withdrawal,
 * retirement) and again well within the stream's retention, so the stream always holds a current
 * one. Readers keep the newest (`issuedAt`) and ignore older copies.
 */
export interface KeySetUpdatedEvent {
  subject: typeof Subjects.KeySetUpdated;
  data: {
    /** When auth built this set, ms since the epoch; the newest set wins. */
    issuedAt: number;
    /** The public keys tokens may be signed with (ES256/RS256; never a secret). */
    keys: PublicJwk[];
    /** Kids that are withdrawn: refused even where a key of that kid is configured (an HS256 `JWT_KEY`). */
    withdrawn: string[];
  };
}
