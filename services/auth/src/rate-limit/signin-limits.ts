import type { AuthConfig } from '../config';
import { Limit, type Refusal } from './limit';
import type { LimiterStore } from './limiter-store';

/** Which limit refused a sign-in (the `by` label of `authbus_signin_rate_limited_total`). */
export type SigninLimitedBy = 'ip' | 'network' | 'account-ip' | 'account';

export type SigninVerdict = { allowed: true } | ({ allowed: false; by: SigninLimitedBy } & Refusal);

/**
 * Sign-in limits, after rate-limiter-flexible's "login endpoint protection" pattern:
 *
 * 1. per client address, every attempt (`SIGNIN_LIMIT_PER_IP`), then per network (an IPv6 /48,
 *    `SIGNIN_LIMIT_PER_NETWORK`): decided first, and an attempt they refuse counts nowhere else, so
 *    flooding from one address or one site's block touches no account;
 * 2. per (account, client address), failures (`SIGNIN_LIMIT_PER_ACCOUNT`): one address can only
 *    lock itself out of one account; a successful sign-in from that address resets it;
 * 3. per account, failures from every address (`SIGNIN_LIMIT_PER_ACCOUNT_TOTAL`): counts only
 *    attempts that passed (2), so each address adds at most `SIGNIN_LIMIT_PER_ACCOUNT` and locking
 *    an account for everyone takes TOTAL / PER_ACCOUNT addresses (the price of slowing a
 *    distributed guess at one password).
 *
 * (2) and (3) take their point before the password is checked (an atomic increment in every store),
 * so a burst of parallel guesses can't all slip past a check-then-count; the point of a right
 * password is handed back by `succeeded`. Unknown accounts are counted like real ones: the limits
 * tell nobody which emails exist.
 */
export class SigninLimits {
  constructor(
    private readonly perIp: Limit,
    private readonly perNetwork: Limit,
    private readonly perAccountIp: Limit,
    private readonly perAccount: Limit,
  ) {}

  static create(store: LimiterStore, limits: AuthConfig['signinLimits']): SigninLimits {
    const { windowMs } = limits;
    return new SigninLimits(
      new Limit(store.limiter({ name: 'signin_ip', points: limits.perIp, windowMs })),
      new Limit(store.limiter({ name: 'signin_network', points: limits.perNetwork, windowMs })),
      new Limit(store.limiter({ name: 'signin_account_ip', points: limits.perAccount, windowMs })),
      new Limit(store.limiter({ name: 'signin_account', points: limits.perAccountTotal, windowMs })),
    );
  }

  /**
   * Count a sign-in attempt from `client` (a client-address key) in `network` (its network key, if
   * it has one). Runs first, before the request body is even read: a flood from one address costs
   * as little as a request can, and what this refuses counts against no account. An attempt the
   * address's own limit refuses is not counted against its network.
   */
  async attemptFrom(client: string, network?: string): Promise<SigninVerdict> {
    const byIp = await this.perIp.take(client);
    if (byIp) return { allowed: false, by: 'ip', ...byIp };
    const byNetwork = network === undefined ? undefined : await this.perNetwork.take(network);
    return byNetwork ? { allowed: false, by: 'network', ...byNetwork } : { allowed: true };
  }

  /** Then count it against `account` (a normalised email), from `client`. */
  async attemptOn(account: string, client: string): Promise<SigninVerdict> {
    // An account already locked for everyone: don't spend this address's own allowance on it.
    const locked = await this.perAccount.exhausted(account);
    if (locked) return { allowed: false, by: 'account', ...locked };
    const byPair = await this.perAccountIp.take(pairKey(account, client));
    if (byPair) return { allowed: false, by: 'account-ip', ...byPair };
    const byAccount = await this.perAccount.take(account);
    if (byAccount) return { allowed: false, by: 'account', ...byAccount };
    return { allowed: true };
  }

  /** Both steps, for callers that have the account at hand. */
  async attempt(account: string, client: string, network?: string): Promise<SigninVerdict> {
    const from = await this.attemptFrom(client, network);
    return from.allowed ? this.attemptOn(account, client) : from;
  }

  /** The password was right: this address starts afresh on this account, and the attempt was no failure. */
  async succeeded(account: string, client: string): Promise<void> {
    await Promise.all([this.perAccountIp.forget(pairKey(account, client)), this.perAccount.giveBack(account)]);
  }
}

/** A client-address key has no space, so the last space of the key separates the two parts unambiguously. */
function pairKey(account: string, client: string): string {
  return `${account} ${client}`;
}
