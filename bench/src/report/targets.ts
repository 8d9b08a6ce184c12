import type { CatchUpResult } from '../catch-up/run-catch-up';
import type { ScaleResult } from '../scale/run-scale';
import { pairedRatio } from '../stats';
import type { ThroughputCase } from '../throughput/cases';
import type { BenchResults } from './results';

/** One target from the design, checked against a run. */
export interface TargetCheck {
  name: string;
  target: string;
  measured: string;
  met: boolean;
}

const x = (v: number): string => `${v.toFixed(2)}×`;

/** The catch-up targets: start → ready with the snapshot and its tail. */
export function catchUpTargets(catchUp: CatchUpResult, million?: CatchUpResult): TargetCheck[] {
  const checks: TargetCheck[] = [
    {
      name: `catch-up of ${catchUp.events.toLocaleString('en')} revocations`,
      target: catchUp.events >= 100_000 ? '≤ 0.3 s' : '≤ 0.3 s at 100k (quick run: smaller)',
      measured: `${(catchUp.readyMs / 1000).toFixed(2)} s`,
      met: catchUp.readyMs <= 300 * (catchUp.events / 100_000),
    },
  ];
  if (million) {
    checks.push({
      name: `catch-up of ${million.events.toLocaleString('en')} revocations`,
      target: '≤ 2 s',
      measured: `${(million.readyMs / 1000).toFixed(2)} s`,
      met: million.readyMs <= 2000 * (million.events / 1_000_000),
    });
  }
  return checks;
}

/** The scale row's targets (issue 15): N instances on one server cost next to nothing while idle. */
export function scaleTargets(scale: ScaleResult): TargetCheck[] {
  const n = scale.instances;
  const atMost = (name: string, measured: number, max: number, unit: string): TargetCheck => ({
    name: `${name} with ${n} instances on one server`,
    target: `≤ ${max}${unit}`,
    measured: `${measured}${unit}`,
    met: measured <= max,
  });
  return [
    atMost('idle server CPU (% of a core)', scale.idleServerCpuPct, 1.5, ' %'),
    atMost('JetStream API requests per second', scale.jsApiPerSecond, 5, '/s'),
    atMost('propagation p99 at 100 revocations/s', scale.p99Ms, 25, ' ms'),
    atMost('back in sync after a server restart', scale.resyncMs, 1000, ' ms'),
  ];
}

/** Case `a`'s req/s over case `b`'s, round by round, the median of the rounds (`pairedRatio`). */
export function throughputRatio(
  runs: BenchResults['throughput']['runs'],
  a: ThroughputCase,
  b: ThroughputCase,
): number {
  return pairedRatio(
    runs[a].map((r) => r.rps),
    runs[b].map((r) => r.rps),
  );
}

/** The throughput targets, which `npm run bench -- --throughput-only` checks alone. */
export function checkThroughputTargets(throughput: BenchResults['throughput']): TargetCheck[] {
  const atLeast = (name: string, a: ThroughputCase, b: ThroughputCase, min: number): TargetCheck => {
    const measured = throughputRatio(throughput.runs, a, b);
    return { name, target: `≥ ${min.toFixed(2)}×`, measured: x(measured), met: measured >= min };
  };
  return [
    atLeast('authbus HS256 vs no auth (throughput)', 'authbus', 'none', 0.95),
    atLeast('authbus ES256 vs no auth (throughput)', 'authbusES256', 'none', 0.95),
    atLeast('authbus RS256 vs no auth (throughput)', 'authbusRS256', 'none', 0.95),
    atLeast('authbus vs course-style', 'authbus', 'courseStyle', 6),
    atLeast('authbus vs Redis denylist', 'authbus', 'redisDenylist', 1.4),
    atLeast('authbus vs introspection', 'authbus', 'introspection', 2.5),
    atLeast("auth's currentuser with a cookie vs without", 'authCurrentUser', 'authCurrentUserAnonymous', 0.9),
  ];
}

/** The targets the design sets for these measurements. */
export function checkTargets(r: BenchResults): TargetCheck[] {
  const checks: TargetCheck[] = [
    ...checkThroughputTargets(r.throughput),
    {
      name: `propagation p99 to ${r.propagation.instances} instances`,
      target: '≤ 5 ms',
      measured: `${r.propagation.p99Ms} ms`,
      met: r.propagation.p99Ms <= 5,
    },
    ...(r.propagationCluster
      ? [
          {
            name: `propagation p99 to ${r.propagationCluster.instances} instances on a 3-node cluster`,
            target: '≤ 5 ms',
            measured: `${r.propagationCluster.p99Ms} ms`,
            met: r.propagationCluster.p99Ms <= 5,
          },
        ]
      : []),
    ...catchUpTargets(r.catchUp, r.catchUpMillion),
  ];
  if (r.scale) checks.push(...scaleTargets(r.scale));
  const perEntry = r.memory.bytesPerEntry['1000000'] ?? r.memory.bytesPerEntry['100000'];
  if (perEntry !== undefined) {
    const at = r.memory.bytesPerEntry['1000000'] !== undefined ? '10^6' : '10^5';
    checks.push({
      name: `memory per entry at ${at}`,
      target: '≤ 80 bytes',
      measured: `${perEntry} bytes`,
      met: perEntry <= 80,
    });
  }
  const checkAtMillion = r.memory.nsPerCheck['1000000'];
  if (checkAtMillion !== undefined) {
    checks.push({
      name: '`isRevoked` at 10^6 entries',
      target: '≤ 200 ns',
      measured: `${checkAtMillion} ns`,
      met: checkAtMillion <= 200,
    });
  }
  return checks;
}
