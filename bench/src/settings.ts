/** What one `npm run bench` measures; `--quick` is a smoke run of the same code paths. */
export interface BenchSettings {
  quick: boolean;
  /**
   * `--only=catch-up,memory`: run just these sections and print their figures and targets, writing
   * no results file (a full run writes `latest.json`). Undefined: every section.
   */
  only: Array<'catch-up' | 'memory'> | undefined;
  throughput: {
    warmupSeconds: number;
    runSeconds: number;
    runs: number;
    connections: number;
    revocationEntries: number;
  };
  propagation: { instances: number; processes: number; samples: number };
  catchUp: { events: number };
  /** The catch-up row at a million retained revocations; `events: 0` (quick runs) leaves it out. */
  catchUpMillion: { events: number };
  memory: { sizes: number[]; checkSizes: number[] };
}

export function benchSettings(argv: readonly string[]): BenchSettings {
  const quick = argv.includes('--quick');
  const onlyArg = argv.find((a) => a.startsWith('--only='));
  const only = onlyArg?.slice('--only='.length).split(',');
  for (const section of only ?? [])
    if (section !== 'catch-up' && section !== 'memory') throw new Error(`--only: unknown section ${section}`);
  return {
    quick,
    only: only as BenchSettings['only'],
    throughput: quick
      ? { warmupSeconds: 1, runSeconds: 3, runs: 2, connections: 10, revocationEntries: 10_000 }
      : { warmupSeconds: 3, runSeconds: 10, runs: 3, connections: 10, revocationEntries: 10_000 },
    propagation: { instances: 10, processes: 2, samples: quick ? 40 : 200 },
    catchUp: { events: quick ? 20_000 : 100_000 },
    catchUpMillion: { events: quick ? 0 : 1_000_000 },
    memory: {
      sizes: quick ? [100_000] : [100_000, 1_000_000],
      checkSizes: quick ? [0, 10_000] : [0, 10_000, 1_000_000],
    },
  };
}
