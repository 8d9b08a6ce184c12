import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { prettyLogLines } from './pretty-log';

/** How to run one service of the local stack. */
export interface ServiceProcessOptions {
  /** Shown before every log line, e.g. `tickets-2`. */
  name: string;
  /** The compiled entry point. */
  entry: string;
  env: Record<string, string>;
  /** `http://127.0.0.1:<port>`, for the health checks. */
  url: string;
  /** Where each output line goes (already prefixed); default stdout. */
  log?: (line: string) => void;
  /**
   * `json`: the lines as the service wrote them (pino JSON, what tests read); `pretty`: formatted
   * for a person by pino-pretty. Default: `pretty` when the process runs with
   * `NODE_ENV=development` (`npm start`), else `json`.
   */
  logFormat?: 'json' | 'pretty';
}

/** A service running as its own node process, which the stack (or a test) can stop, kill, restart. */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** Exit code or signal of each process that ended, for tests asserting nothing crashed. */
  readonly exits: Array<number | string | null> = [];

  constructor(readonly options: ServiceProcessOptions) {}

  get name(): string {
    return this.options.name;
  }

  get url(): string {
    return this.options.url;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Start the process and wait until it answers `/healthz` (and, if asked, `/readyz`). */
  async start(options: { waitReady?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const log = this.options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
    const env = { ...process.env, ...this.options.env };
    const format = this.options.logFormat ?? (env.NODE_ENV === 'development' ? 'pretty' : 'json');
    // Colours only where a person watches: the default output, on a terminal.
    const lines =
      format === 'pretty'
        ? prettyLogLines({ colorize: !this.options.log && process.stdout.isTTY === true })
        : (line: string) => [line];
    const child = spawn(process.execPath, [this.options.entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        for (const shown of lines(line)) log(`[${this.name}] ${shown}`);
      });
    }
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exits.push(code ?? signal);
        resolve();
      }),
    );
    await this.waitFor(options.waitReady ? '/readyz' : '/healthz', options.timeoutMs ?? 20_000);
  }

  /** Graceful stop: SIGTERM, then SIGKILL if it takes longer than `graceMs`. */
  async stop(graceMs = 8000): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Kill at once (a crash). */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.child!.kill(signal);
    await this.exited;
  }

  async restart(options: { waitReady?: boolean } = {}): Promise<void> {
    await this.stop();
    await this.start(options);
  }

  private async waitFor(path: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited before answering ${path}`);
      try {
        const res = await fetch(new URL(path, this.url), { signal: AbortSignal.timeout(1000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${this.name} did not answer ${path} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
