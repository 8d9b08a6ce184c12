import { randomBytes } from 'node:crypto';
import { RevocationSet } from '@authbus/common';

/**
 * `node --expose-gc memory-child.js bytes <n>`: heap bytes per revocation entry at n entries
 * (session ids shaped like real ones: 22 base64url characters, parsed from JSON as events are).
 * `node memory-child.js check <n>`: ns per `isRevoked` at n entries (tokens not revoked, the
 * common case, with varied sids so nothing is cached). Prints one JSON line.
 */
function sid(): string {
  return JSON.parse(`"${randomBytes(16).toString('base64url')}"`) as string;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function fill(set: RevocationSet, n: number): void {
  const until = Math.floor(Date.now() / 1000) + 3600;
  for (let i = 0; i < n; i++) set.revokeSession(sid(), until);
}

const [mode, sizeText] = process.argv.slice(2);
const n = Number(sizeText);
if (mode === 'bytes') {
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const set = new RevocationSet();
  fill(set, n);
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  process.stdout.write(`${JSON.stringify({ entries: set.size.sessions, bytesPerEntry: (after - before) / n })}\n`);
} else {
  const set = new RevocationSet();
  fill(set, n);
  const probes = Array.from({ length: 4096 }, () => ({ sid: sid(), sub: sid(), gen: 0 }));
  let hits = 0;
  const run = (count: number): number => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < count; i++) if (set.isRevoked(probes[i & 4095]!)) hits++;
    return Number(process.hrtime.bigint() - started) / count;
  };
  run(2_000_000);
  const ns = Math.min(run(5_000_000), run(5_000_000), run(5_000_000));
  process.stdout.write(`${JSON.stringify({ entries: n, nsPerCheck: ns, hits })}\n`);
}
