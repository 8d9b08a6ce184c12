/** What one `npm run bench` measures; `--quick` is a smoke run of the same code paths. */
export interface BenchSettings {
  quick: boolean;
  throughput: {
    warmupSeconds: number;
    runSeconds: number;
    runs: number;
    connections: number;
    revocationEntries: number;
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
    revocationSeconds: number;
  };
  catchUp: { events: number };
  /** The catch-up row at a million retained revocations; `events: 0` (quick runs) leaves it out. */
  catchUpMillion: { events: number };
  memory: { sizes: number[]; checkSizes: number[] };
}

export function benchSettings(argv: readonly string[]): BenchSettings {
  const quick = argv.includes('--quick');
  return {
    quick,
    throughput: quick
      ? { warmupSeconds: 1, runSeconds: 3, runs: 2, connections: 10, revocationEntries: 10_000 }
      : { warmupSeconds: 3, runSeconds: 10, runs: 3, connections: 10, revocationEntries: 10_000 },
    propagation: { instances: 10, processes: 2, samples: quick ? 40 : 200 },
    scale: quick
      ? {
          instances: 50,
          processes: 2,
          settleSeconds: 2,
          idleSeconds: 5,
          revocationsPerSecond: 100,
          revocationSeconds: 3,
        }
      : {
          instances: 500,
          processes: 10,
          settleSeconds: 5,
          idleSeconds: 10,
          revocationsPerSecond: 100,
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
