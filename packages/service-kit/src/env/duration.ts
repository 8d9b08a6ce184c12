import { parseDuration } from '@authbus/common';
import { present } from './present';

/** A duration (`500ms`, `30s`, `15m`, `1h`, `7d`; a bare number is seconds) in ms; `fallback` (a duration) when unset. */
export function parseDurationMs(value: string | undefined, name: string, fallback: string): number {
  return parseDuration(present(value) ? value : fallback, name);
}

/**
 * A duration in whole seconds, rounded to the nearest: for what tokens and sessions count in
 * seconds (lifetimes, grace windows). Not for the clock tolerance, which is used as it is given
 * (`authKitOptionsFromEnv` reads it, once).
 */
export function parseWholeSeconds(value: string | undefined, name: string, fallback: string): number {
  return Math.round(parseDurationMs(value, name, fallback) / 1000);
}
