import { ConfigError } from '@authbus/common';
import { present } from './present';

/**
 * An absolute URL, returned as it was written; `fallback` when unset. With `protocols`, only those
 * schemes (`['redis:', 'rediss:']`); `example` is shown in the message when it is not one.
 */
export function parseUrl(
  value: string | undefined,
  name: string,
  options: { fallback?: string; protocols?: readonly string[]; example?: string } = {},
): string {
  const hint = options.example ? ` (e.g. ${options.example})` : '';
  const text = present(value) ? value : options.fallback;
  if (text === undefined) throw new ConfigError(`${name} must be set${hint}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`${name}="${text}" is not a URL${hint}`);
  }
  if (options.protocols && !options.protocols.includes(url.protocol)) {
    const schemes = options.protocols.map((p) => `${p}//`);
    throw new ConfigError(
      `${name}="${text}" must start with ${schemes.slice(0, -1).join(', ')}${schemes.length > 1 ? ' or ' : ''}${schemes.at(-1)}`,
    );
  }
  return text;
}
