import type { AuthConfig } from '../config';
import { Limit, type Refusal } from './limit';
import type { LimiterStore } from './limiter-store';

/** Which limit refused a sign-up (the `by` label of `authbus_signup_rate_limited_total`). */
export type SignupLimitedBy = 'ip' | 'network';

/**
 * Sign-ups per client address (`SIGNUP_LIMIT_PER_IP` per `SIGNUP_LIMIT_WINDOW`) and per network
 * (an IPv6 /48, `SIGNUP_LIMIT_PER_NETWORK`). Each sign-up
 * costs a full scrypt hash (about 38 ms of CPU at the default cost, so about 60 a second saturate
 * two cores), and it is counted before that hash, taken or not: an unlimited sign-up endpoint is
 * a CPU denial of service and an account-creation machine.
 */
export class SignupLimits {
  constructor(
    private readonly perIp: Limit,
    private readonly perNetwork: Limit,
  ) {}

  static create(store: LimiterStore, limits: AuthConfig['signupLimits']): SignupLimits {
    const { windowMs } = limits;
    return new SignupLimits(
      new Limit(store.limiter({ name: 'signup_ip', points: limits.perIp, windowMs })),
      new Limit(store.limiter({ name: 'signup_network', points: limits.perNetwork, windowMs })),
    );
  }

  /**
   * Count a sign-up from `client` (a client-address key) in `network` (its network key, if any);
   * the refusal and the limit that made it past a limit.
   */
  async attempt(client: string, network?: string): Promise<(Refusal & { by: SignupLimitedBy }) | undefined> {
    const byIp = await this.perIp.take(client);
    if (byIp) return { by: 'ip', ...byIp };
    const byNetwork = network === undefined ? undefined : await this.perNetwork.take(network);
    return byNetwork ? { by: 'network', ...byNetwork } : undefined;
  }
}
