import type { AuthConfig } from '../config';
import { Limit, type Refusal } from './limit';
import type { LimiterStore } from './limiter-store';

/**
 * Sign-ups per client address (`SIGNUP_LIMIT_PER_IP` per `SIGNUP_LIMIT_WINDOW`). Each sign-up
 * costs a full scrypt hash (about 38 ms of CPU at the default cost, so about 60 a second saturate
 * two cores), and it is counted before that hash, taken or not: an unlimited sign-up endpoint is
 * a CPU denial of service and an account-creation machine.
 */
export class SignupLimits {
  constructor(private readonly perIp: Limit) {}

  static create(store: LimiterStore, limits: AuthConfig['signupLimits']): SignupLimits {
    return new SignupLimits(
      new Limit(store.limiter({ name: 'signup_ip', points: limits.perIp, windowMs: limits.windowMs })),
    );
  }

  /** Count a sign-up from `client` (a client-address key); a `Refusal` past the limit. */
  attempt(client: string): Promise<Refusal | undefined> {
    return this.perIp.take(client);
  }
}
