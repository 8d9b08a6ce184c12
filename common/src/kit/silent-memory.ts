import { parseDuration } from '../config/duration';
import { ConfigError } from '../errors/config-error';

/** The longest `REVOCATION_SILENT_MEMORY`: a day. */
export const MAX_SILENT_MEMORY_MS = 24 * 3600_000;

/**
 * `REVOCATION_SILENT_MEMORY`: how long verifiers remember an auth instance whose heartbeats stopped
 * (default 2 min, `INSTANCE_MEMORY_MS`), a duration from 1 s to 24 h. Verifiers and the auth
 * service read it alike: auth stops answering revocations 200 before verifiers forget it.
 */
export function silentMemoryFromEnv(value: string): number {
  return checkSilentMemory(parseDuration(value, 'REVOCATION_SILENT_MEMORY'), 'REVOCATION_SILENT_MEMORY', `"${value}"`);
}

/** A silent memory of `ms`, checked: a whole number of ms from 1 s to 24 h (`name` and `shown` for the error). */
export function checkSilentMemory(ms: number, name: string, shown = String(ms)): number {
  if (!isSilentMemoryMs(ms))
    throw new ConfigError(`${name} must be a whole number of ms from 1 s to 24 h, not ${shown}`);
  return ms;
}

/** Is `value` a silent memory the project accepts: a whole number of ms from 1 s to 24 h? */
export function isSilentMemoryMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1000 && value <= MAX_SILENT_MEMORY_MS;
}
