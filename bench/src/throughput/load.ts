import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface AutocannonJson {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

/** Load `url` with autocannon in its own process (N connections, the cookie if any); every answer must be 2xx. */
export async function load(
  target: { url: string; cookie: string | undefined },
  seconds: number,
  connections: number,
): Promise<{ rps: number; p50Ms: number; p99Ms: number }> {
  const bin = join(require.resolve('autocannon/package.json'), '..', 'autocannon.js');
  const { stdout } = await run(
    process.execPath,
    [
      bin,
      '--json',
      '-c',
      String(connections),
      '-d',
      String(seconds),
      ...(target.cookie === undefined ? [] : ['-H', `cookie=${target.cookie}`]),
      target.url,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const result = JSON.parse(stdout) as AutocannonJson;
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${target.url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rps: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99 };
}
