import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where the throughput bench puts its processes. */
export interface Pinning {
  /** The CPU autocannon runs on; undefined when not pinned. */
  loaderCpu: number | undefined;
  /** Pin a server process (every thread) to the servers' CPU; does nothing when not pinned. */
  server(pid: number | undefined): Promise<void>;
  description: string;
}

/**
 * On two or more CPUs with `taskset` (util-linux): the load generator on CPU 0, the servers on
 * CPU 1. autocannon is itself a Node process as busy as the server it loads; left to the
 * scheduler, the two share both cores, and what one case costs the server is partly paid by the
 * loader's core. NATS, Redis and the introspection process are left unpinned.
 */
export async function pinning(wanted: boolean): Promise<Pinning> {
  const unpinned: Pinning = { loaderCpu: undefined, server: async () => undefined, description: 'unpinned' };
  if (!wanted || cpus().length < 2) return unpinned;
  try {
    await run('taskset', ['-p', String(process.pid)]);
  } catch {
    return unpinned;
  }
  return {
    loaderCpu: 0,
    server: async (pid) => {
      if (pid !== undefined) await run('taskset', ['-a', '-p', '-c', '1', String(pid)]);
    },
    description: 'autocannon on CPU 0, each server process on CPU 1 (taskset); NATS, Redis, introspection unpinned',
  };
}
