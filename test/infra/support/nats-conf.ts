/**
 * Just enough of the nats-server configuration syntax for the static checks: comments, one block's
 * text, a key's scalar value, an array of quoted strings or variables, and durations. (Whether nats-server
 * accepts the file is checked by starting it.)
 */

/** The text without `#` and `//` comments (outside quoted strings). */
export function withoutComments(conf: string): string {
  return conf.replace(/"(?:[^"\\]|\\.)*"|(?:#|\/\/)[^\n]*/g, (m) => (m.startsWith('"') ? m : ''));
}

/** The inside of the top-level block `name { … }`, or undefined without one. */
export function confBlock(conf: string, name: string): string | undefined {
  const text = withoutComments(conf);
  const open = new RegExp(`^\\s*${name}\\s*[:=]?\\s*\\{`, 'm').exec(text);
  if (!open) return undefined;
  let depth = 1;
  for (let i = open.index + open[0].length; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(open.index + open[0].length, i);
  }
  throw new Error(`block ${name} is not closed`);
}

/** A key's value (`key: value`, `key = value`, `key value`), unquoted; undefined when absent. */
export function confValue(text: string, key: string): string | undefined {
  const m = new RegExp(`^\\s*${key}\\s*[:=]?\\s*("(?:[^"\\\\]|\\\\.)*"|[^\\s,}]+)`, 'm').exec(withoutComments(text));
  return m?.[1]?.replace(/^"(.*)"$/, '$1');
}

/**
 * The items of an array value `key: [ … ]`, each a quoted string (unquoted here) or a `$VARIABLE`
 * reference (kept as written), in order. nats-server separates items with commas or newlines.
 */
export function confItems(text: string, key: string): string[] {
  const m = new RegExp(`^\\s*${key}\\s*[:=]?\\s*\\[([^\\]]*)\\]`, 'm').exec(withoutComments(text));
  return [...(m?.[1] ?? '').matchAll(/"([^"]*)"|(\$[A-Za-z_][A-Za-z0-9_]*)/g)].map((s) => s[1] ?? s[2]!);
}

/** A nats-server duration (`30s`, `2m`, `500ms`, `1h`) in seconds. */
export function durationSeconds(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value);
  if (!m) throw new Error(`not a duration: ${value}`);
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}
