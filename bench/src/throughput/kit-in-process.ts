import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import express, { type Request, type Response } from 'express';
import { median } from '../stats';
import { benchSessionCookie, readyKit } from './bench-kit';
import { benchKeyRing, generateBenchKeyPairs } from './bench-keys';

const ALGORITHMS = ['HS256', 'ES256', 'RS256'] as const;
const CALLS = 100_000;
const ROUNDS = 7;

/**
 * What `kit.requireAuth` itself costs per request, without HTTP around it (`node kit-in-process.js`,
 * `NATS_URL` and `REVOCATION_ENTRIES` in the env; prints `{ nsPerRequest }` as JSON): a fresh
 * request per call (Node's, with Express's request prototype) carrying the session cookie as the
 * throughput cases send it (a cache hit after the first), less the same loop that only makes the
 * request objects. CPU-bound and in one process, so it moves far less with the machine's noise
 * than req/s does.
 */
async function main(): Promise<void> {
  const keys = generateBenchKeyPairs();
  const nsPerRequest: Record<string, number> = {};
  for (const alg of ALGORITHMS) {
    const verifying = benchKeyRing(alg, alg === 'HS256' ? undefined : keys[alg].publicKey);
    const signing = benchKeyRing(alg, alg === 'HS256' ? undefined : keys[alg].privateKey, true);
    const kit = await readyKit(verifying);
    const cookie = benchSessionCookie(signing);
    // As Express hands it over: Node's request, given the app's request prototype (Express sets
    // it on every request, which puts property access on V8's slower paths).
    const app = express();
    const response = {} as Response;
    const request = (): Request => {
      const req = new IncomingMessage(new Socket());
      req.headers = { host: '127.0.0.1', cookie };
      return Object.setPrototypeOf(req, app.request) as Request;
    };
    let refused = 0;
    const next = (err?: unknown): void => void (err === undefined || refused++);
    const rounds: number[] = [];
    for (let round = 0; round <= ROUNDS; round++) {
      let started = process.hrtime.bigint();
      for (let i = 0; i < CALLS; i++) request();
      const making = Number(process.hrtime.bigint() - started);
      started = process.hrtime.bigint();
      for (let i = 0; i < CALLS; i++) kit.requireAuth(request(), response, next);
      const total = Number(process.hrtime.bigint() - started);
      // Round 0 warms the JIT and the cache.
      if (round > 0) rounds.push((total - making) / CALLS);
    }
    if (refused > 0) throw new Error(`${alg}: ${refused} requests refused`);
    nsPerRequest[alg] = median(rounds);
    await kit.close();
  }
  process.stdout.write(`${JSON.stringify({ nsPerRequest })}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
