import { parseInteger } from './integer';

/** A TCP port, 0 to 65535 (0: any free port); `fallback` when unset. */
export function parsePort(value: string | undefined, name: string, fallback: number): number {
  return parseInteger(value, name, { min: 0, max: 65535 }, fallback);
}
