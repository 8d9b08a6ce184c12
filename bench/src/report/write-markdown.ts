import { THROUGHPUT_CASES } from '../throughput/cases';
import type { BenchResults } from './results';
import { checkTargets } from './targets';

const LABELS: Record<(typeof THROUGHPUT_CASES)[number], string> = {
  none: 'no auth',
  courseStyle: 'course-style (cookie-session + jsonwebtoken, string secret)',
  authbus: 'authbus, HS256 (`kit.requireAuth`: cookie → cached verify → revocation check, 10k entries)',
  authbusES256: 'authbus, ES256 (the same, services hold a P-256 public key)',
  authbusRS256: 'authbus, RS256 (the same, services hold a 2048-bit RSA public key)',
  redisDenylist: "Redis denylist (the kit's verify and cache + one EXISTS)",
  introspection: 'introspection (keep-alive HTTP call per request)',
  authCurrentUserAnonymous: "auth service's `GET /api/users/currentuser`, no cookie",
  authCurrentUser: "auth service's `GET /api/users/currentuser`, with a session cookie",
};

/** `bench/results/latest.md`: the tables the README shows. */
export function resultsMarkdown(r: BenchResults): string {
  const lines: string[] = [];
  lines.push(
    `Measured ${r.date.slice(0, 10)} on ${r.cpus} CPUs, Node ${r.node}${r.quick ? ' (quick smoke run: shorter, smaller)' : ''}.`,
    '',
  );
  lines.push(
    `**Request auth overhead** (autocannon, ${r.throughput.settings.connections} connections, median of ${r.throughput.settings.runs} rounds of ${r.throughput.settings.runSeconds} s; × no auth is the median of the per-round ratios)`,
    '',
  );
  const cpu = r.throughput.cpuUsPerRequest ?? {};
  const hasCpu = Object.keys(cpu).length > 0;
  lines.push(
    `| case | req/s | × no auth | p50 ms | p99 ms |${hasCpu ? ' server CPU µs/req |' : ''}`,
    `|---|---:|---:|---:|---:|${hasCpu ? '---:|' : ''}`,
  );
  for (const c of THROUGHPUT_CASES) {
    const cpuCell = hasCpu ? ` ${cpu[c]?.toFixed(1) ?? '–'} |` : '';
    lines.push(
      `| ${LABELS[c]} | ${Math.round(r.throughput.rps[c]).toLocaleString('en')} | ${r.throughput.ratioToNone[c].toFixed(2)} | ${r.throughput.p50Ms[c]} | ${r.throughput.p99Ms[c]} |${cpuCell}`,
    );
  }
  const single = r.throughput.singleConnection;
  if (single) {
    lines.push('', '**One connection** (each request waits for its own round trips; one run per case)', '');
    // autocannon's latencies are whole milliseconds; at one connection 1 ÷ req/s is the mean per request.
    lines.push('| case | req/s | mean µs per request (1 ÷ req/s) | p99 ms |', '|---|---:|---:|---:|');
    for (const c of THROUGHPUT_CASES) {
      const { rps, p99Ms } = single[c];
      lines.push(`| ${LABELS[c]} | ${Math.round(rps).toLocaleString('en')} | ${Math.round(1e6 / rps)} | ${p99Ms} |`);
    }
  }
  const kit = r.throughput.kitInProcess;
  const none = r.throughput.cpuUsPerRequest?.none;
  if (kit) {
    lines.push(
      '',
      '**`kit.requireAuth` alone, in process** (no HTTP: a fresh request object per call with the session cookie, a cache hit; median of 7 rounds of 100,000 calls)',
      '',
      `| algorithm | ns per request |${none ? ' share of the no-auth route’s server CPU |' : ''}`,
      `|---|---:|${none ? '---:|' : ''}`,
    );
    for (const [alg, ns] of Object.entries(kit.nsPerRequest)) {
      const share = none ? ` ${((ns / 1000 / none) * 100).toFixed(1)} % |` : '';
      lines.push(`| ${alg} | ${Math.round(ns).toLocaleString('en')} |${share}`);
    }
  }
  const p = r.propagation;
  lines.push(
    '',
    `**Propagation** (sign-out response → last of ${p.instances} feed instances in ${p.processes} processes refuses the session; ${p.samples} sign-outs)`,
    '',
  );
  lines.push('| p50 | p99 | max | refused before the response arrived |', '|---:|---:|---:|---:|');
  lines.push(`| ${p.p50Ms} ms | ${p.p99Ms} ms | ${p.maxMs} ms | ${p.refusedBeforeResponse} of ${p.samples} |`);
  const c = r.propagationCluster;
  if (c) {
    lines.push(
      '',
      `**Propagation on a 3-node NATS cluster** (R3 \`AUTH\`; the same measure, ${c.instances} instances, ${c.samples} sign-outs)`,
      '',
      '| p50 | p99 | max |',
      '|---:|---:|---:|',
      `| ${c.p50Ms} ms | ${c.p99Ms} ms | ${c.maxMs} ms |`,
    );
  }
  const sc = r.scale;
  if (sc) {
    lines.push(
      '',
      `**Scale** (${sc.instances} feed instances on one nats-server, the auth service publishing its heartbeats)`,
      '',
      '| idle server CPU | JetStream API requests | propagation p50 / p99 at 100 revocations/s | back in sync after a server restart |',
      '|---:|---:|---:|---:|',
      `| ${sc.idleServerCpuPct} % of a core | ${sc.jsApiPerSecond}/s | ${sc.p50Ms} / ${sc.p99Ms} ms | ${sc.resyncMs} ms |`,
    );
  }
  lines.push('', '**Catch-up and memory**', '', '| measure | value |', '|---|---:|');
  for (const c of [r.catchUp, ...(r.catchUpMillion ? [r.catchUpMillion] : [])]) {
    const n = c.events.toLocaleString('en');
    lines.push(
      `| ${n} retained revocations, start → ready (snapshot + ${c.tailEvents.toLocaleString('en')}-event tail) | ${(c.readyMs / 1000).toFixed(2)} s (snapshot ${(c.snapshotBytes / 1e6).toFixed(1)} MB, loaded in ${c.snapshotLoadMs} ms) |`,
      `| ${n} retained revocations, start → ready replaying the whole stream | ${(c.fullReplayMs / 1000).toFixed(2)} s |`,
    );
  }
  for (const [n, b] of Object.entries(r.memory.bytesPerEntry))
    lines.push(`| heap bytes per revocation entry at ${Number(n).toLocaleString('en')} entries | ${b} |`);
  for (const [n, ns] of Object.entries(r.memory.nsPerCheck))
    lines.push(`| \`isRevoked\` at ${Number(n).toLocaleString('en')} entries | ${ns} ns |`);
  lines.push('', '**Against the targets**', '', '| target | wanted | measured | met |', '|---|---|---|:-:|');
  for (const t of checkTargets(r))
    lines.push(`| ${t.name} | ${t.target} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`);
  return `${lines.join('\n')}\n`;
}
