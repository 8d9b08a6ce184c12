import { ConfigError } from '@authbus/common';
import { present } from './present';

/** pino's levels, most to least severe, and `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];

/** `LOG_LEVEL`: one of pino's levels; `info` when unset. Checked here so a typo fails as configuration, not as a pino crash. */
export function parseLogLevel(value: string | undefined, name = 'LOG_LEVEL'): LogLevel {
  if (!present(value)) return 'info';
  const level = value.trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level))
    throw new ConfigError(`${name}="${value}" must be one of ${LOG_LEVELS.join(', ')}`);
  return level as LogLevel;
}
