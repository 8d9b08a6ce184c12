import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, isPortOpen, sessionCookieFrom } from '@authbus/common/testing';
import { authProcess } from '@authbus/local';
import { startBenchNats } from '../bench-nats';
import { spawnReady, type ReadyChild } from '../child';
import { progress } from '../progress';
import type { BenchSettings } from '../settings';
import { median, round } from '../stats';
import { benchSessionCookie } from './bench-kit';
import { benchKeyRing, generateBenchKeyPairs } from './bench-keys';
import { load, type LoadResult } from './load';
import { pinning } from './pinning';
import { APP_CASES, CASE_ALGORITHM, THROUGHPUT_CASES, type ThroughputCase } from './cases';

export interface ThroughputResult {
  rps: Record<ThroughputCase, number>;
  p50Ms: Record<ThroughputCase, number>;
  p99Ms: Record<ThroughputCase, number>;
  /** The server process's CPU time per request, µs (median of the rounds); empty without `/proc`. */
  cpuUsPerRequest: Partial<Record<ThroughputCase, number>>;
  /** The server's CPU time over wall time (median): near 1 when the server is what limits req/s. */
  cpuShare: Partial<Record<ThroughputCase, number>>;
  /** One run per case at a single connection, where a round trip's wait is not hidden by others. */
  singleConnection: Record<ThroughputCase, LoadResult>;
  /** What `kit.requireAuth` costs per request in process, without HTTP, ns (`kit-in-process.ts`). */
  kitInProcess: { nsPerRequest: Record<'HS256' | 'ES256' | 'RS256', number> };
  /** Every measured run, for the record (round by round: `runs[c][i]` is round i + 1). */
  runs: Record<ThroughputCase, LoadResult[]>;
  redis: string;
  /** Where the processes ran: `loader on CPU 0, servers on CPU 1`, or unpinned. */
  placement: string;
}

/**
 * Request auth overhead: one server process per case, loaded in turn by autocannon in its own
 * process (127.0.0.1, N connections): a warm-up, then rounds in which every case runs once (each
 * round starting one case later), so drift on a shared machine hits every case alike. The median
 * of the rounds is reported; ratios between cases are taken round by round (`pairedRatio`).
 */
export async function runThroughput(settings: BenchSettings['throughput']): Promise<ThroughputResult> {
  const nats = await startBenchNats();
  const redis = await ensureRedis();
  const introspection = await spawnReady(join(__dirname, 'introspection-server.js'), []);
  const keys = generateBenchKeyPairs();
  const servers = new Map<ThroughputCase, ReadyChild>();
  const auth = await authProcess({
    natsUrl: nats.url,
    env: { LOG_LEVEL: 'warn', ACCESS_TOKEN_TTL: '1h', SIGNUP_LIMIT_PER_IP: '1000000' },
  });
  try {
    for (const which of APP_CASES) {
      servers.set(
        which,
        await spawnReady(join(__dirname, 'app-server.js'), [which], {
          NATS_URL: nats.url,
          REDIS_URL: redis.url,
          INTROSPECTION_PORT: String(introspection.port),
          REVOCATION_ENTRIES: String(settings.revocationEntries),
          BENCH_ES256_PUBLIC_KEY: keys.ES256.publicKey,
          BENCH_RS256_PUBLIC_KEY: keys.RS256.publicKey,
        }),
      );
    }
    await auth.start({ waitReady: true });
    // The load generator on one core, every server on the other, so neither takes the other's.
    const pin = await pinning(settings.pin);
    const serverPids = new Map<ThroughputCase, number | undefined>();
    for (const which of APP_CASES) serverPids.set(which, servers.get(which)!.process.pid);
    serverPids.set('authCurrentUserAnonymous', auth.pid);
    serverPids.set('authCurrentUser', auth.pid);
    for (const pid of new Set(serverPids.values())) await pin.server(pid);
    const placementOf = (which: ThroughputCase) => ({ serverPid: serverPids.get(which), loaderCpu: pin.loaderCpu });
    const targets = new Map<ThroughputCase, { url: string; cookie: string | undefined }>();
    for (const which of APP_CASES) {
      const alg = CASE_ALGORITHM[which] ?? 'HS256';
      const keyRing = benchKeyRing(alg, alg === 'HS256' ? undefined : keys[alg].privateKey, true);
      const url = `http://127.0.0.1:${servers.get(which)!.port}/api/protected`;
      targets.set(which, { url, cookie: benchSessionCookie(keyRing) });
    }
    const signup = await fetch(`${auth.url}/api/users/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `bench-${Date.now()}@example.com`, password: 'bench password' }),
    });
    if (signup.status !== 201) throw new Error(`auth sign-up answered ${signup.status}`);
    const currentUserUrl = `${auth.url}/api/users/currentuser`;
    targets.set('authCurrentUserAnonymous', { url: currentUserUrl, cookie: undefined });
    targets.set('authCurrentUser', { url: currentUserUrl, cookie: sessionCookieFrom(signup) });

    const runs = Object.fromEntries(
      THROUGHPUT_CASES.map((c) => [c, [] as ThroughputResult['runs'][ThroughputCase]]),
    ) as ThroughputResult['runs'];
    for (const which of THROUGHPUT_CASES) {
      progress(`throughput: warming up ${which}`);
      await load(targets.get(which)!, settings.warmupSeconds, settings.connections, placementOf(which));
    }
    for (let round = 1; round <= settings.runs; round++) {
      // Each round starts one case later, so no case always runs right after (or before) another.
      const shift = (round - 1) % THROUGHPUT_CASES.length;
      for (const which of [...THROUGHPUT_CASES.slice(shift), ...THROUGHPUT_CASES.slice(0, shift)]) {
        const result = await load(targets.get(which)!, settings.runSeconds, settings.connections, placementOf(which));
        runs[which].push(result);
        const cpu = result.cpuUsPerRequest === undefined ? '' : `, ${result.cpuUsPerRequest.toFixed(1)} µs CPU/req`;
        progress(
          `throughput: round ${round}/${settings.runs} ${which}: ${Math.round(result.rps)} req/s, p99 ${result.p99Ms} ms${cpu}`,
        );
      }
    }
    const singleConnection = {} as Record<ThroughputCase, LoadResult>;
    for (const which of THROUGHPUT_CASES) {
      const result = await load(targets.get(which)!, settings.singleConnectionSeconds, 1, placementOf(which));
      singleConnection[which] = result;
      progress(`throughput: 1 connection ${which}: ${Math.round(result.rps)} req/s, p50 ${result.p50Ms} ms`);
    }
    const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, 'kit-in-process.js')], {
      env: { ...process.env, NATS_URL: nats.url, REVOCATION_ENTRIES: String(settings.revocationEntries) },
    });
    const kitInProcess = JSON.parse(stdout) as ThroughputResult['kitInProcess'];
    progress(
      `throughput: kit.requireAuth in process ${Object.entries(kitInProcess.nsPerRequest)
        .map(([alg, ns]) => `${alg} ${Math.round(ns)} ns`)
        .join(', ')} per request`,
    );
    const pick = (f: (r: LoadResult) => number | undefined) =>
      Object.fromEntries(
        THROUGHPUT_CASES.flatMap((c) => {
          const values = runs[c].map(f).filter((v): v is number => v !== undefined);
          return values.length === 0 ? [] : [[c, round(median(values), 2)]];
        }),
      ) as Partial<Record<ThroughputCase, number>>;
    return {
      rps: pick((r) => r.rps) as Record<ThroughputCase, number>,
      p50Ms: pick((r) => r.p50Ms) as Record<ThroughputCase, number>,
      p99Ms: pick((r) => r.p99Ms) as Record<ThroughputCase, number>,
      cpuUsPerRequest: pick((r) => r.cpuUsPerRequest),
      cpuShare: pick((r) => r.cpuShare),
      singleConnection,
      kitInProcess,
      runs,
      redis: redis.description,
      placement: pin.description,
    };
  } finally {
    await Promise.all([...servers.values()].map((s) => s.stop()));
    await auth.stop();
    await introspection.stop();
    await redis.stop();
    await nats.stop();
  }
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
