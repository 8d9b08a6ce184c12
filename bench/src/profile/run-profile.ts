import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sessionCookieFrom, waitFor } from '@authbus/common/testing';
import { authProcess } from '@authbus/local';
import { startBenchNats } from '../bench-nats';
import { spawnReady } from '../child';
import { progress } from '../progress';
import { benchSessionCookie } from '../throughput/bench-kit';
import { benchKeyRing } from '../throughput/bench-keys';
import { load } from '../throughput/load';
import { flameGraphSvg, type CpuProfile } from './flame-svg';

const SECONDS = 10;
const CONNECTIONS = 10;

/**
 * `npm run bench:profile`: the HS256 authbus route of the throughput benchmark and the auth
 * service's `GET /api/users/currentuser` with a cookie, each under load (autocannon, 10
 * connections, 10 s) in a process run with `--cpu-prof`. Writes `bench/results/profile-<case>.cpuprofile`
 * (open it in Chrome DevTools or speedscope) and a flame graph `profile-<case>.svg`.
 */
async function main(): Promise<void> {
  const out = resolve(__dirname, '..', '..', 'results');
  const nats = await startBenchNats();
  try {
    const kitDir = mkdtempSync(join(tmpdir(), 'authbus-prof-'));
    const server = await spawnReady(
      join(__dirname, '..', 'throughput', 'app-server.js'),
      ['authbus'],
      { NATS_URL: nats.url, REVOCATION_ENTRIES: '10000' },
      ['--cpu-prof', `--cpu-prof-dir=${kitDir}`],
    );
    const kitTarget = {
      url: `http://127.0.0.1:${server.port}/api/protected`,
      cookie: benchSessionCookie(benchKeyRing('HS256')),
    };
    progress('profile: kit route (HS256) under load');
    const kit = await load(kitTarget, SECONDS, CONNECTIONS);
    await server.stop();
    save(
      out,
      'kit-hs256',
      kitDir,
      `authbus kit, HS256, one protected route: ${Math.round(kit.rps)} req/s under --cpu-prof`,
    );

    const authDir = mkdtempSync(join(tmpdir(), 'authbus-prof-'));
    // The auth service as `authProcess` configures it, run with --cpu-prof (not allowed in NODE_OPTIONS).
    const { options } = await authProcess({ natsUrl: nats.url, env: { LOG_LEVEL: 'warn', ACCESS_TOKEN_TTL: '1h' } });
    const auth = await startProfiled(options.entry, options.env, options.url, authDir);
    const signup = await fetch(`${auth.url}/api/users/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `profile-${Date.now()}@example.com`, password: 'bench password' }),
    });
    progress('profile: auth currentuser with a cookie under load');
    const current = await load(
      { url: `${auth.url}/api/users/currentuser`, cookie: sessionCookieFrom(signup) },
      SECONDS,
      CONNECTIONS,
    );
    await auth.stop();
    save(
      out,
      'auth-currentuser',
      authDir,
      `auth service, GET /api/users/currentuser with a cookie: ${Math.round(current.rps)} req/s under --cpu-prof`,
    );
  } finally {
    await nats.stop();
  }
}

/** `node --cpu-prof <entry>`, once it answers `/readyz`. */
async function startProfiled(
  entry: string,
  env: Record<string, string>,
  url: string,
  dir: string,
): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, entry], {
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`${entry} exited (${child.exitCode})`);
      return (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200;
    },
    { timeoutMs: 30_000, description: `${entry} ready` },
  );
  return {
    url,
    stop: () =>
      new Promise((done) => {
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

/** Move the one profile a process wrote into `out`, with its flame graph beside it. */
function save(out: string, name: string, dir: string, title: string): void {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no .cpuprofile was written in ${dir}`);
  const text = readFileSync(join(dir, file), 'utf8');
  writeFileSync(join(out, `profile-${name}.cpuprofile`), text);
  writeFileSync(join(out, `profile-${name}.svg`), flameGraphSvg(JSON.parse(text) as CpuProfile, title));
  rmSync(dir, { recursive: true, force: true });
  progress(`profile: wrote bench/results/profile-${name}.{cpuprofile,svg}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`profile failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
