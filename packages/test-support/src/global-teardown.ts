import './global-setup';
import { relative } from 'node:path';
import { writeRunReport } from './reliability-report';

export default async function globalTeardown(): Promise<void> {
  await globalThis.authbusTestMongo?.stop();
  const rowsSince = Number(process.env.AUTHBUS_TEST_RUN_STARTED ?? Date.now());
  const { file, complete } = writeRunReport(rowsSince);
  const where = relative(process.cwd(), file);
  process.stdout.write(
    complete
      ? `\nReliability report of this run: ${where} (npm run reliability:publish copies it to docs/reliability.md).\n`
      : `\nReliability report of this run (partial: not every scenario ran or passed): ${where}\n`,
  );
}
