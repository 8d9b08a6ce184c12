import type { AccessClaims, LiveKeyRing, Logger, RevocationSet } from '@authbus/common';
import type { RevocationSnapshotWriter } from '@authbus/common/issuer';
import type { AssertionReplays } from './service-identity/assertion-replays';
import type { ServiceClients } from './service-identity/service-clients';
import type { AuthConfig } from './config';
import type { KeyManager } from './keys/key-manager';
import type { KeySetPublisher } from './keys/key-set-publisher';
import type { AuthMetrics } from './metrics';
import type { OutboxRelay } from './outbox/outbox-relay';
import type { RevocationFence } from './outbox/revocation-fence';
import type { SigninLimits } from './rate-limit/signin-limits';
import type { SignupLimits } from './rate-limit/signup-limits';
import type { AuthStore } from './store/auth-store';

/** Everything the routes and use cases (`accounts/`) need, built once by `service.ts` (or by a test). */
export interface AuthContext {
  config: AuthConfig;
  /** Signs, verifies, is served as the JWKS and published as the key set; follows the feed. */
  keyRing: LiveKeyRing;
  /** Publishes the key set after a change (and on its own, periodically). */
  keySets: Pick<KeySetPublisher, 'publish'>;
  /** Rotation, withdrawal and the list of keys (`/api/keys`). */
  keys: Pick<KeyManager, 'rotate' | 'withdraw' | 'list'>;
  store: AuthStore;
  /** Publishes a committed change's events before the request answers (they wait in the outbox if it can't). */
  relay: Pick<OutboxRelay, 'publishNow'>;
  /** Whether a revocation the stream has not acknowledged may be answered 200, by how long it must hold (`RevocationFence`). */
  fence: Pick<RevocationFence, 'answerable' | 'retryAfterSeconds'>;
  /** This instance's revocation set: a revocation made here applies here at once. */
  revocations: RevocationSet;
  /** Writes the revocation snapshot verifiers load at start-up; absent when snapshots are off. */
  snapshots?: Pick<RevocationSnapshotWriter, 'writeNow'>;
  /** Abuse limits, counted in the configured rate-limit store. */
  limits: { signin: SigninLimits; signup: SignupLimits };
  metrics: AuthMetrics;
  /** Verify a user's access token with revocation applied (the kit's). */
  authenticate: (token: string) => AccessClaims;
  /** The services that may ask for tokens, their seen assertions, and the tokens' lifetime. */
  serviceIdentity: { clients: ServiceClients; replays: AssertionReplays; ttlSeconds: number };
  /** Calls to other services with auth's own token (`kit.fetchAsService`). */
  fetchAsService: (url: string, init: RequestInit & { audience: string }) => Promise<Response>;
  logger: Logger;
  /** Clock, ms. */
  now: () => number;
}
