import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createKeyRing } from '@authbus/common';
import { encodeSessionCookieValue, signAccessToken } from '@authbus/common/issuer';
import { freePort, isPortOpen } from '@authbus/common/testing';
import { startBenchNats } from '../bench-nats';
import { spawnReady, type ReadyChild } from '../child';
import { progress } from '../progress';
import type { BenchSettings } from '../settings';
import { median, round } from '../stats';
import { BENCH_KID, BENCH_SECRET, THROUGHPUT_CASES, type ThroughputCase } from './cases';

const run = promisify(execFile);

export interface ThroughputResult {
  rps: Record<ThroughputCase, number>;
  p50Ms: Record<ThroughputCase, number>;
  p99Ms: Record<ThroughputCase, number>;
  /** Every measured run, for the record. */
  runs: Record<ThroughputCase, Array<{ rps: number; p50Ms: number; p99Ms: number }>>;
  redis: string;
}

interface AutocannonJson {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

/**
 * Request auth overhead: one server process per case, loaded in turn by autocannon in its own
 * process (127.0.0.1, N connections): a warm-up, then rounds in which every case runs once, so
 * drift on a shared machine hits every case alike. The median of the rounds is reported.
 */
export async function runThroughput(settings: BenchSettings['throughput']): Promise<ThroughputResult> {
  const nats = await startBenchNats();
  const redis = await ensureRedis();
  const introspection = await spawnReady(join(__dirname, 'introspection-server.js'), []);
  const servers = new Map<ThroughputCase, ReadyChild>();
  try {
    for (const which of THROUGHPUT_CASES) {
      servers.set(
        which,
        await spawnReady(join(__dirname, 'app-server.js'), [which], {
          NATS_URL: nats.url,
          REDIS_URL: redis.url,
          INTROSPECTION_PORT: String(introspection.port),
          REVOCATION_ENTRIES: String(settings.revocationEntries),
        }),
      );
    }
    const keyRing = createKeyRing({ keys: [{ kid: BENCH_KID, secret: BENCH_SECRET }], activeKid: BENCH_KID });
    const { token } = signAccessToken(
      { sub: '6b04a94a044b283e2cbe76be', email: 'bench@example.com', roles: ['user'], sid: 'bench-session', gen: 0 },
      keyRing,
      { ttlSeconds: 3600 },
    );
    const cookie = `session=${encodeSessionCookieValue(token)}`;

    const runs = Object.fromEntries(
      THROUGHPUT_CASES.map((c) => [c, [] as ThroughputResult['runs'][ThroughputCase]]),
    ) as ThroughputResult['runs'];
    for (const which of THROUGHPUT_CASES) {
      progress(`throughput: warming up ${which}`);
      await load(servers.get(which)!.port, cookie, settings.warmupSeconds, settings.connections);
    }
    for (let round = 1; round <= settings.runs; round++) {
      for (const which of THROUGHPUT_CASES) {
        const result = await load(servers.get(which)!.port, cookie, settings.runSeconds, settings.connections);
        runs[which].push(result);
        progress(
          `throughput: round ${round}/${settings.runs} ${which}: ${Math.round(result.rps)} req/s, p99 ${result.p99Ms} ms`,
        );
      }
    }
    const pick = (f: (r: { rps: number; p50Ms: number; p99Ms: number }) => number) =>
      Object.fromEntries(THROUGHPUT_CASES.map((c) => [c, round(median(runs[c].map(f)), 2)])) as Record<
        ThroughputCase,
        number
      >;
    return {
      rps: pick((r) => r.rps),
      p50Ms: pick((r) => r.p50Ms),
      p99Ms: pick((r) => r.p99Ms),
      runs,
      redis: redis.description,
    };
  } finally {
    await Promise.all([...servers.values()].map((s) => s.stop()));
    await introspection.stop();
    await redis.stop();
    await nats.stop();
  }
}

async function load(
  port: number,
  cookie: string,
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
      '-H',
      `cookie=${cookie}`,
      `http://127.0.0.1:${port}/api/protected`,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const result = JSON.parse(stdout) as AutocannonJson;
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`port ${port}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rps: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99 };
}

/** Redis at 127.0.0.1:6379, or a `redis-server` started for the run. */
async function ensureRedis(): Promise<{ url: string; description: string; stop(): Promise<void> }> {
  if (await isPortOpen(6379))
    return { url: 'redis://127.0.0.1:6379', description: 'redis at 127.0.0.1:6379', stop: async () => undefined };
  const port = await freePort();
  const { spawn } = await import('node:child_process');
  const child = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + 10_000;
  while (!(await isPortOpen(port))) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error('no Redis at 127.0.0.1:6379 and redis-server could not be started');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    description: `redis-server started by the bench on port ${port}`,
    stop: async () => void child.kill('SIGTERM'),
  };
}
