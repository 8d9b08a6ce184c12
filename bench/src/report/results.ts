import type { CatchUpResult } from '../catch-up/run-catch-up';
import type { MemoryResult } from '../memory/run-memory';
import type { PropagationResult } from '../propagation/run-propagation';
import type { ScaleResult } from '../scale/run-scale';
import type { ThroughputCase } from '../throughput/cases';

/** `bench/results/latest.json`. */
export interface BenchResults {
  date: string;
  node: string;
  cpus: number;
  quick: boolean;
  throughput: {
    rps: Record<ThroughputCase, number>;
    p50Ms: Record<ThroughputCase, number>;
    p99Ms: Record<ThroughputCase, number>;
    ratioToNone: Record<ThroughputCase, number>;
    /** The server process's CPU time per request, µs (absent in results from before it was measured). */
    cpuUsPerRequest?: Partial<Record<ThroughputCase, number>>;
    /** The server's CPU time over wall time: near 1 when the server is what limits req/s. */
    cpuShare?: Partial<Record<ThroughputCase, number>>;
    /** One run per case at one connection, where each request waits for its own round trips. */
    singleConnection?: Record<ThroughputCase, { rps: number; p50Ms: number; p99Ms: number; cpuUsPerRequest?: number }>;
    /** What `kit.requireAuth` costs per request in process, without HTTP (absent in results from before it was measured). */
    kitInProcess?: { nsPerRequest: Record<'HS256' | 'ES256' | 'RS256', number> };
    runs: Record<ThroughputCase, Array<{ rps: number; p50Ms: number; p99Ms: number; cpuUsPerRequest?: number }>>;
    settings: {
      connections: number;
      runSeconds: number;
      runs: number;
      revocationEntries: number;
      redis: string;
      placement?: string;
    };
  };
  propagation: Omit<PropagationResult, 'samplesMs'>;
  /** The same on a 3-node NATS cluster with an R3 `AUTH` stream (absent in results from before it was measured). */
  propagationCluster?: Pick<PropagationResult, 'instances' | 'samples' | 'p50Ms' | 'p99Ms' | 'maxMs'>;
  /** N feed instances on one server: idle cost, propagation under load, resync (absent in results from before it was measured). */
  scale?: ScaleResult;
  catchUp: CatchUpResult;
  /** The same at 1,000,000 retained revocations (full runs only). */
  catchUpMillion?: CatchUpResult;
  memory: MemoryResult;
}
