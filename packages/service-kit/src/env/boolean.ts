import { ConfigError } from '@authbus/common';
import { present } from './present';

/** `true`, `1`, `yes` or `false`, `0`, `no`, in any case; `fallback` when unset. */
export function parseBoolean(value: string | undefined, name: string, fallback: boolean): boolean {
  if (!present(value)) return fallback;
  if (/^\s*(true|1|yes)\s*$/i.test(value)) return true;
  if (/^\s*(false|0|no)\s*$/i.test(value)) return false;
  throw new ConfigError(`${name}="${value}" must be true or false`);
}
