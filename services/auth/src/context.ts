import type { KeyRing, Logger, RevocationSet } from '@authbus/common';
import type { AuthConfig } from './config';
import type { AuthMetrics } from './metrics';
import type { OutboxRelay } from './outbox/outbox-relay';
import type { RateLimiter } from './rate-limit/rate-limiter';
import type { AuthStore } from './store/auth-store';

/** Everything the routes and session logic need, built once by `index.ts` (or by a test). */
export interface AuthContext {
  config: AuthConfig;
  keyRing: KeyRing;
  store: AuthStore;
  relay: Pick<OutboxRelay, 'publishNow' | 'kick'>;
  /** This instance's revocation set: a revocation made here applies here at once. */
  revocations: RevocationSet;
  limiters: { perIp: RateLimiter; perAccount: RateLimiter };
  metrics: AuthMetrics;
  logger: Logger;
  /** Clock, ms. */
  now: () => number;
}
