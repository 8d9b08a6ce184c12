import { ConfigError } from '../errors/config-error';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parse a duration such as `500ms`, `30s`, `15m`, `1h`, `7d`; a bare number is seconds.
 * Returns milliseconds; throws `ConfigError` naming the variable on anything else.
 */
export function parseDuration(value: string, name = 'duration'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(value);
  if (!match) throw new ConfigError(`${name}="${value}" is not a duration (e.g. 500ms, 30s, 15m, 1h)`);
  return Math.round(Number(match[1]) * UNITS[match[2] ?? 's']!);
}
