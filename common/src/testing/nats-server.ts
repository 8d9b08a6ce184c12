import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { isPortOpen } from './port-open';

/** How to start a test `nats-server`. */
export interface NatsServerOptions {
  /** Port; default a free one. Restarts keep it. */
  port?: number;
  /**
   * Address the client port listens on; default `127.0.0.1`. `0.0.0.0` listens on every interface,
   * as in a pod (a config file's own `http` address still applies to the monitoring port).
   */
  host?: string;
  /** JetStream store directory; default a new temp dir, removed by `stop()`. Restarts keep it. */
  storeDir?: string;
  /** A nats-server config file (e.g. with accounts and permissions); CLI flags override its port/store. */
  configFile?: string;
  /** Binary; default `NATS_SERVER_BIN` or `nats-server` from PATH. */
  binary?: string;
  /** Extra arguments. */
  args?: string[];
  /** How long to wait for the server to accept connections, ms; default 10 000. */
  startTimeoutMs?: number;
  /** Extra environment for the server (a config file's `$VARIABLES`). */
  env?: Record<string, string>;
  /** Start the process now (default true); when false, the first `restart()` starts it. */
  startNow?: boolean;
}

/** A running test `nats-server` that a test can stop, kill and restart on the same port and store. */
export interface NatsServerHandle {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  readonly pid: number | undefined;
  /** Is the process running (paused counts as running)? */
  readonly running: boolean;
  /** Is the process paused (`pause()`, SIGSTOP)? */
  readonly paused: boolean;
  /** Stop gracefully (SIGTERM) and wait for the exit; keeps the store. */
  shutdown(): Promise<void>;
  /** Kill with a signal (default SIGKILL: a crash) and wait for the exit; keeps the store. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /**
   * Freeze the process (SIGSTOP): it keeps its sockets open but answers nothing, like a hung or
   * overloaded server; clients notice only by their pings. Resolves once every thread of the
   * process is stopped (read from `/proc` on Linux): until then, on a busy machine, the server still
   * answers what reaches it for a millisecond or two after the signal.
   */
  pause(): Promise<void>;
  /** Let a paused process run again (SIGCONT). */
  resume(): void;
  /** Start again on the same port and store (after `shutdown` or `kill`; stops it first if running). */
  restart(): Promise<void>;
  /** Stop and remove the temp store (if the helper created it). */
  stop(): Promise<void>;
}

/** What to tell someone whose machine has no `nats-server`. */
export const NATS_SERVER_MISSING =
  'nats-server was not found on PATH. Install it (Debian/Ubuntu: apt-get install -y nats-server; ' +
  'macOS: brew install nats-server; or a release from https://github.com/nats-io/nats-server/releases), ' +
  'or point NATS_SERVER_BIN at the binary.';

/**
 * Start a real `nats-server` with JetStream on 127.0.0.1 for a test. Fails with
 * `NATS_SERVER_MISSING` when the binary is not installed.
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerHandle> {
  const port = options.port ?? (await freePort());
  const ownsStore = options.storeDir === undefined;
  const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'authbus-nats-'));
  const binary = options.binary ?? process.env.NATS_SERVER_BIN ?? 'nats-server';
  const args = [
    ...(options.configFile ? ['-c', options.configFile] : []),
    '-a',
    options.host ?? '127.0.0.1',
    '-p',
    String(port),
    '-js',
    '-sd',
    storeDir,
    ...(options.args ?? []),
  ];
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  let child: ChildProcess | undefined;
  let paused = false;

  const launch = async (): Promise<void> => {
    child = await spawnServer(binary, args, port, timeoutMs, options.env);
  };
  const exit = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    // A stopped process only handles its signals once it runs again.
    if (paused) proc.kill('SIGCONT');
    paused = false;
    await exited;
  };
  if (options.startNow !== false) await launch();

  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    get pid() {
      return child?.pid;
    },
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    get paused() {
      return paused;
    },
    async pause() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGSTOP');
      paused = true;
      if (child.pid !== undefined) await whenStopped(child.pid);
    },
    resume() {
      if (paused) child?.kill('SIGCONT');
      paused = false;
    },
    shutdown: () => exit('SIGTERM'),
    kill: (signal = 'SIGKILL') => exit(signal),
    async restart() {
      await exit('SIGTERM');
      await launch();
    },
    async stop() {
      await exit('SIGTERM');
      if (ownsStore) rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

async function spawnServer(
  binary: string,
  args: string[],
  port: number,
  timeoutMs: number,
  env?: Record<string, string>,
): Promise<ChildProcess> {
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 20_000) stderr += chunk.toString();
  });
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new Error(NATS_SERVER_MISSING) : err),
    );
    child.once('exit', (code, signal) =>
      reject(new Error(`nats-server exited (${code ?? signal}) before accepting connections:\n${stderr.slice(-2000)}`)),
    );
  });
  failed.catch(() => undefined);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await Promise.race([isPortOpen(port), failed]);
    if (ok && /Server is ready/.test(stderr)) return child;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nats-server did not start on port ${port} within ${timeoutMs} ms:\n${stderr.slice(-2000)}`);
    }
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 20)), failed]);
  }
}

/** How long `pause()` waits for every thread of the server to stop, ms. */
const STOP_TIMEOUT_MS = 5000;

/**
 * Resolves once every thread of `pid` is stopped (`T` in `/proc/<pid>/task/<tid>/stat`): a
 * SIGSTOP takes each thread as it is next scheduled, and a busy machine leaves some running a
 * little longer. Where there is no `/proc` (not Linux) it resolves at once.
 */
async function whenStopped(pid: number): Promise<void> {
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  for (;;) {
    let states: string[];
    try {
      states = readdirSync(`/proc/${pid}/task`).map((tid) => threadState(pid, tid));
    } catch {
      return;
    }
    if (states.every((state) => state === 'T' || state === 't' || state === '')) return;
    if (Date.now() > deadline)
      throw new Error(
        `nats-server ${pid} not stopped ${STOP_TIMEOUT_MS} ms after SIGSTOP (threads ${states.join('')})`,
      );
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** A thread's state letter from its `stat` line (after the parenthesised name); '' once it is gone. */
function threadState(pid: number, tid: string): string {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return '';
  }
}
