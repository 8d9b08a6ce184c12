/**
 * `npm run reliability:publish`: copy the report of the last full `npm test` run
 * (test-artifacts/reliability.md) to docs/reliability.md, the committed one. Refuses a partial
 * report (a scenario that failed or did not run), so the committed page never shows a gap.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RUN_REPORT } from './reliability-report';

const target = resolve(__dirname, '..', '..', '..', 'docs', 'reliability.md');
if (!existsSync(RUN_REPORT)) {
  process.stderr.write(`No report at ${RUN_REPORT}: run npm test first.\n`);
  process.exit(1);
}
if (readFileSync(RUN_REPORT, 'utf8').includes('## Not passed in this run')) {
  process.stderr.write(`${RUN_REPORT} is partial (a scenario failed or did not run); not published.\n`);
  process.exit(1);
}
copyFileSync(RUN_REPORT, target);
process.stdout.write(`Published ${RUN_REPORT} to ${join('docs', 'reliability.md')}.\n`);
