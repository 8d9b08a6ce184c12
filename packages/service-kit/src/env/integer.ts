import { ConfigError } from '@authbus/common';
import { present } from './present';

/** An integer from `min` to `max`; `fallback` when unset. Throws `ConfigError` naming the variable. */
export function parseInteger(
  value: string | undefined,
  name: string,
  range: { min: number; max: number },
  fallback: number,
): number {
  if (!present(value)) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < range.min || n > range.max) {
    throw new ConfigError(`${name}="${value}" must be an integer from ${range.min} to ${range.max}`);
  }
  return n;
}
