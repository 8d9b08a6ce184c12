import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { connect } from 'nats';
import { Subjects, type SessionRevokedEvent } from '@authbus/common';
import { createEnvelope, ensureAuthStream, publishEnvelope } from '@authbus/common/issuer';
import { freePort, startNatsServer } from '@authbus/common/testing';
import { authProcess } from '@authbus/local';
import { progress } from '../progress';
import type { BenchSettings } from '../settings';
import { percentile, round } from '../stats';
import type { ScaleReport, ScaleRequest } from './scale-instances';
import { jetStreamApiTotal, processCpuMs } from './server-counters';

/** `latest.json`'s `scale`. */
export interface ScaleResult {
  instances: number;
  /** The server's CPU while idle (heartbeats only), % of one core. */
  idleServerCpuPct: number;
  /** JetStream API requests per second the server handled meanwhile, all clients together. */
  jsApiPerSecond: number;
  /** Publish ack → the last instance applied it, at `revocationsPerSecond`. */
  p99Ms: number;
  /** The median of the same samples. */
  p50Ms: number;
  /** Server restarted (accepting connections again) → every instance in sync as of a moment after it. */
  resyncMs: number;
}

const now = (): number => performance.timeOrigin + performance.now();

/**
 * The cost of many instances on one nats-server: N revocation feeds (spread over child
 * processes, each with its own connection, connected the way the kit connects) and the real auth
 * service publishing its heartbeats. Measures the server's idle CPU (its process's CPU time over
 * a window, `/proc/<pid>/stat`) and JetStream API requests (`/jsz`'s `api.total`) over the same
 * window; propagation from each publish's ack to the last instance at a steady rate of
 * revocations; and, after a restart of the server, how long until every instance is in sync again.
 */
export async function runScale(settings: BenchSettings['scale']): Promise<ScaleResult> {
  const monitorPort = await freePort();
  const server = await startNatsServer({ args: ['-m', String(monitorPort)] });
  const monitorUrl = `http://127.0.0.1:${monitorPort}`;
  const publisher = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  await ensureAuthStream(await publisher.jetstreamManager(), { maxAgeMs: 3600_000 });
  const auth = await authProcess({ natsUrl: server.url, env: { LOG_LEVEL: 'warn' }, log: () => undefined });
  const children: ChildProcess[] = [];
  try {
    await auth.start({ waitReady: true });
    const perSid = new Map<string, { processes: number; at: number }>();
    const synced: number[] = [];
    const reconnected: number[] = [];
    const perProcess = Math.ceil(settings.instances / settings.processes);
    const ready: Array<Promise<void>> = [];
    for (let p = 0; p < settings.processes; p++) {
      const count = Math.min(perProcess, settings.instances - p * perProcess);
      if (count <= 0) break;
      const child = fork(join(__dirname, 'scale-instances.js'), [server.url, String(count)], { stdio: 'inherit' });
      children.push(child);
      ready.push(
        new Promise((resolve) =>
          child.on('message', (m: ScaleReport) => {
            if ('ready' in m) return resolve();
            if ('synced' in m) {
              reconnected.push(m.lastReconnectAt);
              return void synced.push(m.at);
            }
            for (const { sid, at } of m.applied) {
              const seen = perSid.get(sid) ?? { processes: 0, at: 0 };
              perSid.set(sid, { processes: seen.processes + 1, at: Math.max(seen.at, at) });
            }
          }),
        ),
      );
    }
    await Promise.all(ready);
    progress(`scale: ${settings.instances} feed instances in ${children.length} processes are caught up`);
    // Let the start-up (consumer creations, first probes) pass before the idle window.
    await delay(settings.settleSeconds * 1000);

    const pid = server.pid!;
    const [cpu0, api0, t0] = [processCpuMs(pid), await jetStreamApiTotal(monitorUrl), now()];
    await delay(settings.idleSeconds * 1000);
    const [cpu1, api1, t1] = [processCpuMs(pid), await jetStreamApiTotal(monitorUrl), now()];
    const idleServerCpuPct = round(((cpu1 - cpu0) / (t1 - t0)) * 100, 2);
    const jsApiPerSecond = round(((api1 - api0) * 1000) / (t1 - t0), 2);
    progress(`scale: idle server CPU ${idleServerCpuPct} % of a core, ${jsApiPerSecond} JetStream API requests/s`);

    const js = publisher.jetstream();
    /** Revoke `total` sessions at the row's rate; resolves with when each was acked, once every instance applied it. */
    const revokeAtRate = async (total: number, prefix: string): Promise<Map<string, number>> => {
      const ackedAt = new Map<string, number>();
      const started = now();
      for (let i = 0; i < total; i++) {
        const due = started + (i * 1000) / settings.revocationsPerSecond;
        if (due > now()) await delay(due - now());
        const sid = `${prefix}-${i}-${Date.now()}`;
        const envelope = createEnvelope<SessionRevokedEvent>(Subjects.SessionRevoked, {
          sid,
          sub: `user-${i}`,
          reason: 'signout',
          revokedAt: new Date().toISOString(),
          until: Math.floor(Date.now() / 1000) + 900,
        });
        await publishEnvelope(js, envelope);
        ackedAt.set(sid, now());
      }
      const everywhere = (): boolean =>
        [...ackedAt.keys()].every((sid) => perSid.get(sid)?.processes === children.length);
      const deadline = now() + 30_000;
      while (!everywhere()) {
        if (now() > deadline) throw new Error('scale: revocations not applied everywhere within 30 s');
        await delay(20);
      }
      return ackedAt;
    };
    // Not counted: the instances' live path is cold until revocations flow (V8 compiles it), and
    // in one run the first 40 events took up to 340 ms to reach every instance.
    await revokeAtRate(settings.revocationsPerSecond * settings.warmupSeconds, 'scale-warmup');
    const total = settings.revocationsPerSecond * settings.revocationSeconds;
    const ackedAt = await revokeAtRate(total, 'scale');
    const samples = [...ackedAt].map(([sid, at]) => Math.max(0, perSid.get(sid)!.at - at));
    const p99Ms = round(percentile(samples, 99), 3);
    const p50Ms = round(percentile(samples, 50), 3);
    progress(
      `scale: propagation p99 ${p99Ms} ms, p50 ${p50Ms} ms at ${settings.revocationsPerSecond} revocations/s (${total} samples)`,
    );

    await server.restart();
    const back = now();
    for (const child of children) child.send({ syncedSince: back } satisfies ScaleRequest);
    const resyncDeadline = back + 30_000;
    while (synced.length < children.length) {
      if (now() > resyncDeadline) throw new Error('scale: instances not in sync within 30 s of the restart');
      await delay(5);
    }
    const resyncMs = round(Math.max(...synced) - back, 1);
    const reconnectMs = round(Math.max(...reconnected) - back, 1);
    progress(
      `scale: every instance in sync ${resyncMs} ms after the server restarted (the last reconnected at ${reconnectMs} ms)`,
    );
    return { instances: settings.instances, idleServerCpuPct, jsApiPerSecond, p99Ms, p50Ms, resyncMs };
  } finally {
    for (const child of children) child.kill();
    await auth.stop();
    await publisher.close();
    await server.stop();
  }
}
