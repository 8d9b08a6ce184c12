import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { claimsOfCookie, sessionCookieFrom } from '@authbus/common/testing';
import { startBenchCluster, startBenchNats, type BenchNats } from '../bench-nats';
import { authProcess } from '@authbus/local';
import { progress } from '../progress';
import type { BenchSettings } from '../settings';
import { percentile, round } from '../stats';

export interface PropagationResult {
  instances: number;
  processes: number;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Sign-outs already refused everywhere when their HTTP response arrived. */
  refusedBeforeResponse: number;
  /** Every sample, ms (negative: refused before the response arrived). */
  samplesMs: number[];
}

type Report = { sid: string; instance: number; at: number } | { ready: true };

/**
 * Sign-out through the real auth service (its own process) → the moment the last of N feed
 * instances (spread over several processes, each with its own NATS connection) refuses the
 * session. Timestamps are taken where the work happens: the response's arrival in this process,
 * the set update in each instance; all on one machine's clock. `on: 'cluster'` runs it on a
 * 3-node NATS cluster with an R3 stream, the instances' connections spread over its servers.
 */
export async function runPropagation(
  settings: BenchSettings['propagation'],
  on: 'server' | 'cluster' = 'server',
): Promise<PropagationResult> {
  const nats: BenchNats = on === 'cluster' ? await startBenchCluster() : await startBenchNats();
  const auth = await authProcess({
    natsUrl: nats.url,
    env: {
      ...(on === 'cluster' ? { AUTH_STREAM_REPLICAS: '3' } : {}),
      LOG_LEVEL: 'warn',
      SIGNIN_LIMIT_PER_IP: '1000000',
      SIGNUP_LIMIT_PER_IP: '1000000',
    },
    log: () => undefined,
  });
  const children: ChildProcess[] = [];
  try {
    await auth.start({ waitReady: true });
    const applied = new Map<string, Map<number, number>>();
    const waiters = new Map<string, () => void>();
    const perProcess = Math.ceil(settings.instances / settings.processes);
    const ready: Array<Promise<void>> = [];
    for (let p = 0; p < settings.processes; p++) {
      const count = Math.min(perProcess, settings.instances - p * perProcess);
      const child = fork(join(__dirname, 'feed-instances.js'), [nats.url, String(count), String(p * perProcess)], {
        stdio: 'inherit',
      });
      children.push(child);
      ready.push(
        new Promise((resolve) =>
          child.on('message', (m: Report) => {
            if ('ready' in m) return resolve();
            let times = applied.get(m.sid);
            if (!times) applied.set(m.sid, (times = new Map<number, number>()));
            if (!times.has(m.instance)) times.set(m.instance, m.at);
            if (times.size === settings.instances) waiters.get(m.sid)?.();
          }),
        ),
      );
    }
    await Promise.all(ready);
    progress(`propagation: ${settings.instances} feed instances in ${settings.processes} processes are caught up`);

    const samples: number[] = [];
    for (let i = 0; i < settings.samples; i++) {
      const signup = await fetch(`${auth.url}/api/users/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `bench${i}-${Date.now()}@example.com`, password: 'bench password' }),
      });
      const cookie = sessionCookieFrom(signup);
      const { sid } = claimsOfCookie(cookie);
      const everywhere = new Promise<void>((resolve) => {
        if (applied.get(sid)?.size === settings.instances) return resolve();
        waiters.set(sid, resolve);
      });
      const res = await fetch(`${auth.url}/api/users/signout`, { method: 'POST', headers: { cookie } });
      const answeredAt = performance.timeOrigin + performance.now();
      if (res.status !== 200) throw new Error(`sign-out answered ${res.status}`);
      await Promise.race([
        everywhere,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`sid ${sid} not refused everywhere in 10 s`)), 10_000),
        ),
      ]);
      waiters.delete(sid);
      samples.push(Math.max(...applied.get(sid)!.values()) - answeredAt);
      if ((i + 1) % 50 === 0) progress(`propagation: ${i + 1}/${settings.samples} sign-outs`);
    }
    const clamped = samples.map((s) => Math.max(0, s));
    return {
      instances: settings.instances,
      processes: settings.processes,
      samples: samples.length,
      p50Ms: round(percentile(clamped, 50), 3),
      p99Ms: round(percentile(clamped, 99), 3),
      maxMs: round(Math.max(...clamped), 3),
      refusedBeforeResponse: samples.filter((s) => s <= 0).length,
      samplesMs: samples.map((s) => round(s, 3)),
    };
  } finally {
    for (const child of children) child.kill();
    await auth.stop();
    await nats.stop();
  }
}
