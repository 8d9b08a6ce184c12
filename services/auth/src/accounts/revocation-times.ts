import type { AnyEventEnvelope } from '@authbus/common';
import { clockToleranceSeconds, type AuthConfig } from '../config';

type TimesConfig = Pick<AuthConfig, 'kit' | 'accessTokenTtlSeconds'>;

/**
 * Revocations whose `until` is before this (seconds) refuse nothing any more: every token they
 * cover expired more than the clock tolerance ago, and verifiers accept a token until `exp` +
 * tolerance. The tolerance is the verifiers' own, as given (1.5 s stays 1.5 s).
 */
export function revocationHorizon(config: Pick<AuthConfig, 'kit'>, nowMs: number): number {
  return Math.floor(nowMs / 1000) - clockToleranceSeconds(config);
}

/**
 * The latest `exp` a token issued by the time `at` can have: one lifetime, plus the clock
 * tolerance for an auth replica whose clock runs ahead, rounded up to a whole second (`until` is
 * whole seconds, and rounding down could leave a token uncovered). Every `until` this service
 * publishes is at most this, so `until − occurredAt` never exceeds lifetime + tolerance rounded up,
 * whatever happened before (the stream's `max_age` is checked against it at start-up: see
 * `minStreamMaxAgeSeconds` in config.ts).
 */
export function latestExp(config: TimesConfig, at: Date): number {
  return Math.floor(at.getTime() / 1000) + config.accessTokenTtlSeconds + Math.ceil(clockToleranceSeconds(config));
}

/**
 * What a session's revocation covers (seconds): its latest issued `exp` (`lastExp`), at least now,
 * at most a token lifetime + tolerance from now (`latestExp`).
 */
export function sessionUntil(config: TimesConfig, lastExp: number, at: Date): number {
  return Math.min(Math.max(lastExp, Math.floor(at.getTime() / 1000)), latestExp(config, at));
}

/**
 * The latest `until` among `events` (seconds): the last moment a token they revoke can be valid,
 * before the clock tolerance. `undefined` when none revokes anything.
 */
export function latestUntil(events: readonly AnyEventEnvelope[]): number | undefined {
  let latest: number | undefined;
  for (const { data } of events) {
    const until = 'until' in data ? data.until : undefined;
    if (typeof until === 'number' && (latest === undefined || until > latest)) latest = until;
  }
  return latest;
}
