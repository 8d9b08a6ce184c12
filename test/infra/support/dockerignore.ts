import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The `.dockerignore` of a build context as a predicate on context-relative paths: true when the
 * path is left out of the build. Docker's rules: patterns are globs (`*`, `?`, `**`), a pattern
 * also matches everything below a matching directory, `!` re-includes, the last match wins.
 */
export function dockerignore(contextDir: string): (relativePath: string) => boolean {
  const file = join(contextDir, '.dockerignore');
  if (!existsSync(file)) return () => false;
  const rules = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const include = l.startsWith('!');
      const pattern = (include ? l.slice(1) : l).replace(/^\/+/, '').replace(/\/+$/, '');
      return { include, regex: globToRegExp(pattern) };
    });
  return (relativePath) => {
    const parts = relativePath.split('/').filter(Boolean);
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules) {
      if (candidates.some((c) => rule.regex.test(c))) excluded = !rule.include;
    }
    return excluded;
  };
}

function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      const slash = pattern[i + 2] === '/';
      source += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
