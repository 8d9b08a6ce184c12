import { RateLimitedError } from '@authbus/common';
import type { AuthContext } from '../context';
import type { Refusal } from '../rate-limit/limit';
import type { SigninLimitedBy } from '../rate-limit/signin-limits';
import type { SignupLimitedBy } from '../rate-limit/signup-limits';

/**
 * A refused sign-in: counted in `authbus_signin_rate_limited_total{by}`, logged once when the limit
 * trips (not once per refused attempt: a flood must not flood the logs), answered 429 with
 * `Retry-After`.
 */
export function signinRefused(
  ctx: AuthContext,
  refusal: Refusal & { by: SigninLimitedBy },
  client: string,
  account?: string,
): RateLimitedError {
  ctx.metrics.rateLimited.inc({ by: refusal.by });
  if (refusal.tripped) {
    ctx.logger.warn(
      {
        limit: `signin-${refusal.by}`,
        client,
        ...(account === undefined ? {} : { account }),
        retryAfterSeconds: refusal.retryAfterSeconds,
      },
      'sign-in rate limit tripped',
    );
  }
  return new RateLimitedError(refusal.retryAfterSeconds, 'Too many sign-in attempts; try again later');
}

/** A refused sign-up: counted, logged when the limit trips, answered 429 with `Retry-After`. */
export function signupRefused(
  ctx: AuthContext,
  refusal: Refusal & { by: SignupLimitedBy },
  client: string,
): RateLimitedError {
  ctx.metrics.signupRateLimited.inc({ by: refusal.by });
  if (refusal.tripped)
    ctx.logger.warn(
      { limit: `signup-${refusal.by}`, client, retryAfterSeconds: refusal.retryAfterSeconds },
      'sign-up rate limit tripped',
    );
  return new RateLimitedError(refusal.retryAfterSeconds, 'Too many sign-ups from this address; try again later');
}
