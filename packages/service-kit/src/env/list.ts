/** A comma-separated list, each entry trimmed, empty entries dropped; `[]` when unset. */
export function parseList(value: string | undefined, options: { lowercase?: boolean } = {}): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => (options.lowercase ? entry.trim().toLowerCase() : entry.trim()))
    .filter(Boolean);
}
