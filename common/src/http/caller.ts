import type { AccessClaims } from '../tokens/claims';
import type { DelegatedTokenClaims, ServiceTokenClaims } from '../tokens/service-claims';

/**
 * Who made a request, as `kit.currentUser` verified it (`req.caller`):
 * - `user`: a user's access token (the session cookie, or relayed as Bearer);
 * - `service`: a service's own token (client credentials), no user behind it;
 * - `delegated`: a service acting for a user, with a token exchanged for this service
 *   (`req.currentUser` is then that user).
 */
export type Caller =
  | { kind: 'user'; user: AccessClaims }
  | { kind: 'service'; service: string; claims: ServiceTokenClaims }
  | { kind: 'delegated'; service: string; user: AccessClaims; claims: DelegatedTokenClaims };
