import { readFileSync } from 'node:fs';

/** `getconf CLK_TCK` on Linux: the unit of a process's CPU times in `/proc/<pid>/stat`. */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time a process has used so far (user + system), ms, from `/proc/<pid>/stat`. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces, hence the last ')'): utime is the 14th, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** JetStream API requests the server has handled so far, all accounts (`/jsz`'s `api.total`). */
export async function jetStreamApiTotal(monitorUrl: string): Promise<number> {
  const res = await fetch(`${monitorUrl}/jsz`);
  if (!res.ok) throw new Error(`/jsz answered ${res.status}`);
  const body = (await res.json()) as { api?: { total?: number } };
  if (typeof body.api?.total !== 'number') throw new Error('/jsz has no api.total');
  return body.api.total;
}
