/** What one `npm run bench` measures; `--quick` is a smoke run of the same code paths. */
export interface BenchSettings {
  quick: boolean;
  /**
   * `--only=throughput,scale,catch-up,memory`: run just these sections and print their figures and
   * targets, never over `latest.json` (throughput alone is written to `throughput-only.json`;
   * `--throughput-only` is `--only=throughput`). Undefined: every section.
   */
  only: BenchSection[] | undefined;
  throughput: {
    warmupSeconds: number;
    runSeconds: number;
    runs: number;
    connections: number;
    revocationEntries: number;
    /** Length of the one run per case at a single connection. */
    singleConnectionSeconds: number;
    /** Pin the load generator and the servers to different CPUs (`taskset`), when there are two. */
    pin: boolean;
  };
  propagation: { instances: number; processes: number; samples: number };
  /** The scale row: many feed instances on one server (quick runs: fewer). */
  scale: {
    instances: number;
    processes: number;
    /** Wait after every instance caught up before the idle window, s. */
    settleSeconds: number;
    /** The idle window the server's CPU and JetStream API requests are read over, s. */
    idleSeconds: number;
    revocationsPerSecond: number;
    /** Revocations at the same rate before the measured ones, not counted, s. */
    warmupSeconds: number;
    revocationSeconds: number;
  };
  catchUp: { events: number };
  /** The catch-up row at a million retained revocations; `events: 0` (quick runs) leaves it out. */
  catchUpMillion: { events: number };
  memory: { sizes: number[]; checkSizes: number[] };
}

/** The sections `--only=` can pick. */
export const BENCH_SECTIONS = ['throughput', 'scale', 'catch-up', 'memory'] as const;
export type BenchSection = (typeof BENCH_SECTIONS)[number];

const isSection = (name: string): name is BenchSection => (BENCH_SECTIONS as readonly string[]).includes(name);

export function benchSettings(argv: readonly string[]): BenchSettings {
  const quick = argv.includes('--quick');
  const onlyArg = argv.find((a) => a.startsWith('--only='));
  const named =
    onlyArg?.slice('--only='.length).split(',') ?? (argv.includes('--throughput-only') ? ['throughput'] : undefined);
  const only = named?.map((section) => {
    if (!isSection(section))
      throw new Error(`--only: unknown section ${section} (one of ${BENCH_SECTIONS.join(', ')})`);
    return section;
  });
  return {
    quick,
    only,
    throughput: {
      ...(quick
        ? { warmupSeconds: 1, runSeconds: 3, runs: 2, singleConnectionSeconds: 2 }
        : { warmupSeconds: 3, runSeconds: 6, runs: 7, singleConnectionSeconds: 5 }),
      connections: 10,
      revocationEntries: 10_000,
      pin: !argv.includes('--no-pin'),
    },
    propagation: { instances: 10, processes: 2, samples: quick ? 40 : 200 },
    scale: quick
      ? {
          instances: 50,
          processes: 2,
          settleSeconds: 2,
          idleSeconds: 5,
          revocationsPerSecond: 100,
          warmupSeconds: 1,
          revocationSeconds: 3,
        }
      : {
          instances: 500,
          processes: 10,
          settleSeconds: 5,
          idleSeconds: 10,
          revocationsPerSecond: 100,
          warmupSeconds: 2,
          revocationSeconds: 10,
        },
    catchUp: { events: quick ? 20_000 : 100_000 },
    catchUpMillion: { events: quick ? 0 : 1_000_000 },
    memory: {
      sizes: quick ? [100_000] : [100_000, 1_000_000],
      checkSizes: quick ? [0, 10_000] : [0, 10_000, 1_000_000],
    },
  };
}
