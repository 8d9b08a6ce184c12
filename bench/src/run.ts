import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { runCatchUp } from './catch-up/run-catch-up';
import { runMemory } from './memory/run-memory';
import { progress } from './progress';
import { runPropagation } from './propagation/run-propagation';
import { runScale } from './scale/run-scale';
import type { BenchResults } from './report/results';
import {
  catchUpTargets,
  checkTargets,
  checkThroughputTargets,
  scaleTargets,
  throughputRatio,
  type TargetCheck,
} from './report/targets';
import { propagationSvg, throughputSvg } from './report/write-charts';
import { resultsMarkdown } from './report/write-markdown';
import { benchSettings, type BenchSettings } from './settings';
import { round } from './stats';
import { THROUGHPUT_CASES } from './throughput/cases';
import { runThroughput } from './throughput/run-throughput';

/**
 * `npm run bench [-- --quick]`: every measurement in one run, written to bench/results/.
 * `npm run bench -- --only=scale,catch-up [--quick]`: those sections alone, printed with their targets.
 */
async function main(): Promise<void> {
  const settings = benchSettings(process.argv.slice(2));
  if (settings.only) return runSections(settings, settings.only);
  const out = resolve(__dirname, '..', 'results');
  mkdirSync(out, { recursive: true });
  progress(
    `starting${settings.quick ? ' (quick)' : ''}: throughput, propagation (one server, 3-node cluster), scale, catch-up, memory`,
  );

  const throughputSummary = await measureThroughput(settings);
  const propagation = await runPropagation(settings.propagation);
  progress(`propagation: p50 ${propagation.p50Ms} ms, p99 ${propagation.p99Ms} ms, max ${propagation.maxMs} ms`);
  const onCluster = await runPropagation(settings.propagation, 'cluster');
  progress(
    `propagation on a 3-node cluster: p50 ${onCluster.p50Ms} ms, p99 ${onCluster.p99Ms} ms, max ${onCluster.maxMs} ms`,
  );
  const scale = await runScale(settings.scale);
  const catchUp = await runCatchUp(settings.catchUp);
  progress(
    `catch-up: ${catchUp.events} revocations ready in ${catchUp.readyMs} ms (full replay ${catchUp.fullReplayMs} ms)`,
  );
  const catchUpMillion = settings.catchUpMillion.events > 0 ? await runCatchUp(settings.catchUpMillion) : undefined;
  if (catchUpMillion)
    progress(
      `catch-up: ${catchUpMillion.events} revocations ready in ${catchUpMillion.readyMs} ms (full replay ${catchUpMillion.fullReplayMs} ms)`,
    );
  const memory = await runMemory(settings.memory);

  const { samplesMs, ...propagationSummary } = propagation;
  const results: BenchResults = {
    date: new Date().toISOString(),
    node: process.versions.node,
    cpus: cpus().length,
    quick: settings.quick,
    throughput: throughputSummary,
    propagation: propagationSummary,
    propagationCluster: {
      instances: onCluster.instances,
      samples: onCluster.samples,
      p50Ms: onCluster.p50Ms,
      p99Ms: onCluster.p99Ms,
      maxMs: onCluster.maxMs,
    },
    scale,
    catchUp,
    ...(catchUpMillion ? { catchUpMillion } : {}),
    memory,
  };
  const name = settings.quick ? 'quick' : 'latest';
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(out, `${name}.md`), resultsMarkdown(results));
  writeFileSync(join(out, `${name}-throughput.svg`), throughputSvg(results));
  writeFileSync(join(out, `${name}-propagation.svg`), propagationSvg(samplesMs, propagation.instances));
  progress(`wrote bench/results/${name}.{json,md} and charts`);
  for (const t of checkTargets(results))
    progress(`${t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.measured} (target ${t.target})`);
}

/** The throughput section, as `latest.json` holds it. */
async function measureThroughput(settings: BenchSettings): Promise<BenchResults['throughput']> {
  const throughput = await runThroughput(settings.throughput);
  return {
    rps: throughput.rps,
    p50Ms: throughput.p50Ms,
    p99Ms: throughput.p99Ms,
    ratioToNone: Object.fromEntries(
      THROUGHPUT_CASES.map((c) => [c, round(throughputRatio(throughput.runs, c, 'none'), 3)]),
    ) as BenchResults['throughput']['ratioToNone'],
    cpuUsPerRequest: throughput.cpuUsPerRequest,
    cpuShare: throughput.cpuShare,
    singleConnection: throughput.singleConnection,
    kitInProcess: throughput.kitInProcess,
    runs: throughput.runs,
    settings: {
      connections: settings.throughput.connections,
      runSeconds: settings.throughput.runSeconds,
      runs: settings.throughput.runs,
      revocationEntries: settings.throughput.revocationEntries,
      redis: throughput.redis,
      placement: throughput.placement,
    },
  };
}

/** `--only=…`: the listed sections, printed with their targets, never over `latest.json`. */
async function runSections(settings: BenchSettings, only: NonNullable<BenchSettings['only']>): Promise<void> {
  const checks: TargetCheck[] = [];
  if (only.includes('throughput')) {
    const throughput = await measureThroughput(settings);
    // Beside (never over) the full run's results.
    const out = resolve(__dirname, '..', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'throughput-only.json'), `${JSON.stringify(throughput, null, 2)}\n`);
    progress('wrote bench/results/throughput-only.json');
    checks.push(...checkThroughputTargets(throughput));
  }
  if (only.includes('scale')) {
    const scale = await runScale(settings.scale);
    progress(`scale: ${JSON.stringify(scale)}`);
    checks.push(...scaleTargets(scale));
  }
  if (only.includes('catch-up')) {
    const catchUp = await runCatchUp(settings.catchUp);
    const million = settings.catchUpMillion.events > 0 ? await runCatchUp(settings.catchUpMillion) : undefined;
    for (const c of [catchUp, ...(million ? [million] : [])]) progress(`catch-up: ${JSON.stringify(c)}`);
    checks.push(...catchUpTargets(catchUp, million));
  }
  if (only.includes('memory')) progress(`memory: ${JSON.stringify(await runMemory(settings.memory))}`);
  for (const t of checks) progress(`${t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.measured} (target ${t.target})`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
