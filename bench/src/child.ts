import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A helper process that prints `READY <port>` once it serves. */
export interface ReadyChild {
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Start `node <script> ...args` and wait for its `READY <port>` line. */
export function spawnReady(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<ReadyChild> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) =>
      reject(new Error(`${script} ${args.join(' ')} exited (${code}): ${stderr.slice(-1000)}`)),
    );
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^READY (\d+)$/.exec(line);
      if (match) {
        resolve({
          port: Number(match[1]),
          process: child,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
  });
}
