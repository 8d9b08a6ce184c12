import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from '@authbus/common/testing';
import type { ReplayedImage } from './dockerfile-replay';

/** The CMD of a replayed image, running as a process. */
export interface ImageProcess {
  readonly url: string;
  readonly logs: string[];
  /** Resolves with the response once `path` answers 200; rejects if the process exits first. */
  waitForOk(path: string, timeoutMs?: number): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * Start an image's CMD in its WORKDIR with exactly the given environment on top of the image's ENV
 * (plus PATH), as a container would: nothing inherited from the test runner. `node` is this
 * machine's node, the stand-in for the base image's.
 */
export function startImage(image: ReplayedImage, env: Record<string, string>, port: number): ImageProcess {
  const [command, ...args] = image.cmd;
  if (!command) throw new Error('the image has no CMD');
  const child: ChildProcess = spawn(command === 'node' ? process.execPath : command, args, {
    cwd: image.workdir,
    env: { PATH: process.env.PATH ?? '', ...image.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => logs.push(...chunk.toString().split('\n').filter(Boolean)));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    logs,
    async waitForOk(path, timeoutMs = 20_000) {
      const died = exited.then(() => {
        throw new Error(`exited (${child.exitCode ?? child.signalCode}) before ${path} answered 200:\n${logs.slice(-20).join('\n')}`);
      });
      const ok = waitFor(
        async () => {
          const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(1000) });
          return res.ok ? res : undefined;
        },
        { timeoutMs, intervalMs: 50, description: `${url}${path} to answer 200` },
      );
      return Promise.race([ok, died]);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(timer);
    },
  };
}
