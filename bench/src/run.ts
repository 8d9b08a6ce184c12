import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { runCatchUp } from './catch-up/run-catch-up';
import { runMemory } from './memory/run-memory';
import { progress } from './progress';
import { runPropagation } from './propagation/run-propagation';
import { runScale } from './scale/run-scale';
import type { BenchResults } from './report/results';
import { checkTargets, scaleTargets } from './report/targets';
import { propagationSvg, throughputSvg } from './report/write-charts';
import { resultsMarkdown } from './report/write-markdown';
import { benchSettings } from './settings';
import { round } from './stats';
import { THROUGHPUT_CASES } from './throughput/cases';
import { runThroughput } from './throughput/run-throughput';

/**
 * `npm run bench [-- --quick]`: every measurement in one run, written to bench/results/.
 * `npm run bench -- --only=scale [--quick]`: the scale row alone, printed with its targets (no files written).
 */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const settings = benchSettings(argv);
  if (argv.includes('--only=scale')) {
    const scale = await runScale(settings.scale);
    for (const t of scaleTargets(scale))
      progress(`${t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.measured} (target ${t.target})`);
    return;
  }
  const out = resolve(__dirname, '..', 'results');
  mkdirSync(out, { recursive: true });
  progress(
    `starting${settings.quick ? ' (quick)' : ''}: throughput, propagation (one server, 3-node cluster), scale, catch-up, memory`,
  );

  const throughput = await runThroughput(settings.throughput);
  const propagation = await runPropagation(settings.propagation);
  progress(`propagation: p50 ${propagation.p50Ms} ms, p99 ${propagation.p99Ms} ms, max ${propagation.maxMs} ms`);
  const onCluster = await runPropagation(settings.propagation, 'cluster');
  progress(
    `propagation on a 3-node cluster: p50 ${onCluster.p50Ms} ms, p99 ${onCluster.p99Ms} ms, max ${onCluster.maxMs} ms`,
  );
  const scale = await runScale(settings.scale);
  const catchUp = await runCatchUp(settings.catchUp);
  progress(`catch-up: ${catchUp.events} revocations replayed in ${catchUp.readyMs} ms`);
  const catchUpMillion = settings.catchUpMillion.events > 0 ? await runCatchUp(settings.catchUpMillion) : undefined;
  if (catchUpMillion)
    progress(`catch-up: ${catchUpMillion.events} revocations replayed in ${catchUpMillion.readyMs} ms`);
  const memory = await runMemory(settings.memory);

  const { samplesMs, ...propagationSummary } = propagation;
  const results: BenchResults = {
    date: new Date().toISOString(),
    node: process.versions.node,
    cpus: cpus().length,
    quick: settings.quick,
    throughput: {
      rps: throughput.rps,
      p50Ms: throughput.p50Ms,
      p99Ms: throughput.p99Ms,
      ratioToNone: Object.fromEntries(
        THROUGHPUT_CASES.map((c) => [c, round(throughput.rps[c] / throughput.rps.none, 3)]),
      ) as BenchResults['throughput']['ratioToNone'],
      runs: throughput.runs,
      settings: { ...settings.throughput, redis: throughput.redis },
    },
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

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
