import type { BenchResults } from './results';

/** One target from the design, checked against a run. */
export interface TargetCheck {
  name: string;
  target: string;
  measured: string;
  met: boolean;
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);
const x = (v: number): string => `${v.toFixed(2)}×`;

/** The targets the design sets for these measurements. */
export function checkTargets(r: BenchResults): TargetCheck[] {
  const { rps } = r.throughput;
  const checks: TargetCheck[] = [
    {
      name: 'authbus vs no auth (throughput)',
      target: '≥ 0.90×',
      measured: x(ratio(rps.authbus, rps.none)),
      met: ratio(rps.authbus, rps.none) >= 0.9,
    },
    {
      name: 'authbus vs course-style',
      target: '≥ 4×',
      measured: x(ratio(rps.authbus, rps.courseStyle)),
      met: ratio(rps.authbus, rps.courseStyle) >= 4,
    },
    {
      name: 'authbus vs Redis denylist',
      target: '≥ 1.3×',
      measured: x(ratio(rps.authbus, rps.redisDenylist)),
      met: ratio(rps.authbus, rps.redisDenylist) >= 1.3,
    },
    {
      name: 'authbus vs introspection',
      target: '≥ 1.6×',
      measured: x(ratio(rps.authbus, rps.introspection)),
      met: ratio(rps.authbus, rps.introspection) >= 1.6,
    },
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
    {
      name: `catch-up of ${r.catchUp.events.toLocaleString('en')} revocations`,
      target: r.catchUp.events >= 100_000 ? '≤ 0.7 s' : '≤ 0.7 s at 100k (quick run: smaller)',
      measured: `${(r.catchUp.readyMs / 1000).toFixed(2)} s`,
      met: r.catchUp.readyMs <= 700 * (r.catchUp.events / 100_000),
    },
  ];
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
  const checks0 = Object.values(r.memory.nsPerCheck);
  if (checks0.length > 1) {
    const spread = Math.max(...checks0) / Math.min(...checks0);
    checks.push({
      name: 'isRevoked flat across set sizes',
      target: 'max/min ≤ 3×',
      measured: `${Object.entries(r.memory.nsPerCheck)
        .map(([n, ns]) => `${ns} ns @ ${n}`)
        .join(', ')}`,
      met: spread <= 3,
    });
  }
  return checks;
}
