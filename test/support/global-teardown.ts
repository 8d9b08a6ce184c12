import './global-setup';
import { writeReliabilityReport } from './reliability-report';

export default async function globalTeardown(): Promise<void> {
  await globalThis.authbusTestMongo?.stop();
  if (writeReliabilityReport(Number(process.env.AUTHBUS_TEST_RUN_STARTED ?? Date.now()))) {
    process.stdout.write('\nWrote docs/reliability.md from this run\'s fault and attack suites.\n');
  }
}
