import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes } from '@authbus/common';

/** docs/errors.md is the table a client developer reads: it must list exactly the codes a service can answer with. */
describe('docs/errors.md', () => {
  const rows = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'errors.md'), 'utf8')
    .split('\n')
    .map((line) => /^\| `(ERR_[A-Z_]+)` \| (\d{3}) \| (.+) \| (.+) \|$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null);

  it('lists every code of codes.ts once, with its status', () => {
    const documented = rows.map((m) => [m[1]!, Number(m[2])] as const);
    expect(documented.map(([code]) => code).sort()).toEqual(Object.keys(ErrorCodes).sort());
    expect(new Set(documented.map(([code]) => code)).size).toBe(documented.length);
    expect(Object.fromEntries(documented)).toEqual(ErrorCodes);
  });

  it('says what each code means and what a client should do', () => {
    for (const m of rows)
      expect({ code: m[1], meaning: m[3]!.trim().length > 10, action: m[4]!.trim().length > 5 }).toEqual({
        code: m[1],
        meaning: true,
        action: true,
      });
  });
});
