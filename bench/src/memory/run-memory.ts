import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { progress } from '../progress';
import type { BenchSettings } from '../settings';
import { round } from '../stats';

const run = promisify(execFile);

export interface MemoryResult {
  bytesPerEntry: Record<string, number>;
  nsPerCheck: Record<string, number>;
}

/** Each measurement in a fresh process, so one size's garbage doesn't skew the next. */
export async function runMemory(settings: BenchSettings['memory']): Promise<MemoryResult> {
  const child = join(__dirname, 'memory-child.js');
  const bytesPerEntry: Record<string, number> = {};
  for (const n of settings.sizes) {
    const { stdout } = await run(process.execPath, ['--expose-gc', child, 'bytes', String(n)]);
    bytesPerEntry[n] = round((JSON.parse(stdout) as { bytesPerEntry: number }).bytesPerEntry, 1);
    progress(`memory: ${bytesPerEntry[n]} bytes per entry at ${n} entries`);
  }
  const nsPerCheck: Record<string, number> = {};
  for (const n of settings.checkSizes) {
    const { stdout } = await run(process.execPath, [child, 'check', String(n)]);
    nsPerCheck[n] = round((JSON.parse(stdout) as { nsPerCheck: number }).nsPerCheck, 1);
    progress(`memory: isRevoked ${nsPerCheck[n]} ns per check at ${n} entries`);
  }
  return { bytesPerEntry, nsPerCheck };
}
