import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { processCpuMicros } from './process-cpu';

const run = promisify(execFile);

interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  duration: number;
  non2xx: number;
  errors: number;
}

/** One load run: req/s, latency, and what the server spent on it when its pid is known. */
export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** The server's CPU time per answered request, µs (all its threads); absent without `/proc`. */
  cpuUsPerRequest?: number;
  /** The server's CPU time over the run's wall time: near 1 when the server, not the loader, is the limit. */
  cpuShare?: number;
}

/** Where the load generator and the server run. */
export interface LoadPlacement {
  /** The server process, for its CPU time. */
  serverPid?: number | undefined;
  /** The CPU the load generator is pinned to (`taskset`); anywhere when undefined. */
  loaderCpu?: number | undefined;
}

/** Load `url` with autocannon in its own process (N connections, the cookie if any); every answer must be 2xx. */
export async function load(
  target: { url: string; cookie: string | undefined },
  seconds: number,
  connections: number,
  placement: LoadPlacement = {},
): Promise<LoadResult> {
  const bin = join(require.resolve('autocannon/package.json'), '..', 'autocannon.js');
  const args = [
    bin,
    '--json',
    '-c',
    String(connections),
    '-d',
    String(seconds),
    ...(target.cookie === undefined ? [] : ['-H', `cookie=${target.cookie}`]),
    target.url,
  ];
  const [command, commandArgs] =
    placement.loaderCpu === undefined
      ? [process.execPath, args]
      : ['taskset', ['-c', String(placement.loaderCpu), process.execPath, ...args]];
  const cpuBefore = processCpuMicros(placement.serverPid);
  const startedAt = process.hrtime.bigint();
  const { stdout } = await run(command, commandArgs, { maxBuffer: 64 * 1024 * 1024 });
  const wallUs = Number(process.hrtime.bigint() - startedAt) / 1000;
  const cpuAfter = processCpuMicros(placement.serverPid);
  const result = JSON.parse(stdout) as AutocannonJson;
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${target.url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  const measured: LoadResult = { rps: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99 };
  if (cpuBefore !== undefined && cpuAfter !== undefined && result.requests.total > 0) {
    measured.cpuUsPerRequest = (cpuAfter - cpuBefore) / result.requests.total;
    measured.cpuShare = (cpuAfter - cpuBefore) / wallUs;
  }
  return measured;
}
