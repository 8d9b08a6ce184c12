import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, statSync, copyFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, posix, relative } from 'node:path';
import { execForm, parseDockerfile, splitFlags, type Instruction, type Stage } from './dockerfile';
import { dockerignore } from './dockerignore';

/** What a replayed build left behind: the final stage as a folder, and how it would start. */
export interface ReplayedImage {
  /** Host folder standing for the final stage's root filesystem. */
  root: string;
  /** Host folder standing for the final stage's WORKDIR (where CMD runs). */
  workdir: string;
  /** The final stage's ENV. */
  env: Record<string, string>;
  cmd: string[];
  user: string | undefined;
  exposed: number[];
  /** Base images of every stage, in order. */
  bases: string[];
  /** The npm commands that ran, in order. */
  ran: string[];
}

/** How to replay a Dockerfile. */
export interface ReplayOptions {
  dockerfile: string;
  /** The build context (the folder `docker build` would be given). */
  context: string;
  /** An empty folder to build in: one sub-folder per stage stands for its filesystem. */
  into: string;
  /** Where npm's output goes, line by line. */
  log?: (line: string) => void;
}

/**
 * Replay a Dockerfile's steps outside Docker, as faithfully as this repository's Dockerfiles need:
 * each stage is a folder standing for its root filesystem; COPY copies from the build context
 * (honouring .dockerignore, so a file the build would not see makes the replay fail) or from an
 * earlier stage; RUN runs the same npm commands in the stage's WORKDIR; ENV, USER, EXPOSE and CMD
 * are recorded. The base image's own contents (node, npm) are the host's. To stay safe on the
 * host, RUN accepts only `npm …` commands joined by `&&`, with no shell syntax, and every path
 * stays inside the replay folder.
 */
export async function replayDockerfile(options: ReplayOptions): Promise<ReplayedImage> {
  const stages = parseDockerfile(options.dockerfile);
  const ignored = dockerignore(options.context);
  const roots = new Map<string, string>();
  const ran: string[] = [];
  let last: ReplayedImage | undefined;
  for (const [index, stage] of stages.entries()) {
    const root = join(options.into, `stage-${index}`);
    const fromStage = roots.get(stage.from);
    if (fromStage) cpSync(fromStage, root, { recursive: true, verbatimSymlinks: true });
    else mkdirSync(root, { recursive: true });
    if (stage.name) roots.set(stage.name, root);
    roots.set(String(index), root);
    last = await replayStage(stage, root, { ...options, ignored, roots, ran });
    last.bases = stages.map((s) => s.from);
  }
  if (!last) throw new Error(`${options.dockerfile}: no FROM`);
  return last;
}

interface StageContext extends ReplayOptions {
  ignored: (relativePath: string) => boolean;
  roots: Map<string, string>;
  ran: string[];
}

async function replayStage(stage: Stage, root: string, ctx: StageContext): Promise<ReplayedImage> {
  let workdir = '/';
  const env: Record<string, string> = {};
  const image: ReplayedImage = { root, workdir: root, env, cmd: [], user: undefined, exposed: [], bases: [], ran: ctx.ran };
  const where = (i: Instruction) => `${ctx.dockerfile}:${i.line}`;
  for (const i of stage.instructions) {
    switch (i.keyword) {
      case 'WORKDIR':
        workdir = posix.resolve(workdir, i.args);
        mkdirSync(inside(root, workdir), { recursive: true });
        break;
      case 'ENV':
        Object.assign(env, parseEnv(i.args));
        break;
      case 'COPY':
        copy(i, root, workdir, ctx);
        break;
      case 'RUN':
        for (const command of npmCommands(i, where(i))) {
          ctx.ran.push(command.join(' '));
          await run(command, inside(root, workdir), env, ctx.log);
        }
        break;
      case 'USER':
        image.user = i.args;
        break;
      case 'EXPOSE':
        image.exposed.push(...i.args.split(/\s+/).map((p) => Number.parseInt(p, 10)));
        break;
      case 'CMD':
        image.cmd = execForm(i);
        break;
      case 'LABEL':
        break;
      default:
        throw new Error(`${where(i)}: ${i.keyword} is not modelled by the replay (extend dockerfile-replay.ts)`);
    }
  }
  image.workdir = inside(root, workdir);
  return image;
}

/** A container path as a host path inside the stage folder; refuses to leave it. */
function inside(root: string, containerPath: string): string {
  const host = join(root, posix.normalize(containerPath));
  if (relative(root, host).startsWith('..')) throw new Error(`path ${containerPath} leaves the stage`);
  return host;
}

function parseEnv(args: string): Record<string, string> {
  if (!args.includes('=')) {
    const [key, ...value] = args.split(/\s+/);
    return { [key!]: value.join(' ') };
  }
  return Object.fromEntries(
    args.split(/\s+/).map((pair) => {
      const eq = pair.indexOf('=');
      if (eq <= 0 || /["'\\$]/.test(pair)) throw new Error(`ENV ${pair}: only plain KEY=value pairs are modelled`);
      return [pair.slice(0, eq), pair.slice(eq + 1)];
    }),
  );
}

function copy(i: Instruction, root: string, workdir: string, ctx: StageContext): void {
  const { flags, rest } = splitFlags(i.args);
  const unknown = [...flags.keys()].filter((f) => f !== 'from' && f !== 'chown' && f !== 'link');
  if (unknown.length > 0) throw new Error(`${ctx.dockerfile}:${i.line}: COPY --${unknown.join(', --')} is not modelled`);
  const parts = rest.split(/\s+/);
  const dest = parts.pop()!;
  const sources = parts;
  if (sources.length === 0 || sources.some((s) => /[*?[]/.test(s))) throw new Error(`${ctx.dockerfile}:${i.line}: COPY needs plain sources`);
  const from = flags.get('from');
  const fromRoot = from === undefined ? undefined : ctx.roots.get(from);
  if (from !== undefined && !fromRoot) throw new Error(`${ctx.dockerfile}:${i.line}: no earlier stage ${from}`);
  const destHost = inside(root, posix.resolve(workdir, dest));
  const destIsDir = dest.endsWith('/') || dest === '.' || sources.length > 1;

  for (const source of sources) {
    let sourceHost: string;
    let filter: ((path: string) => boolean) | undefined;
    if (fromRoot) {
      sourceHost = inside(fromRoot, posix.resolve('/', source));
    } else {
      const rel = normalize(source).replace(/\/+$/, '');
      if (isAbsolute(rel) || rel.startsWith('..')) throw new Error(`${ctx.dockerfile}:${i.line}: ${source} is outside the build context`);
      if (ctx.ignored(rel)) throw new Error(`${ctx.dockerfile}:${i.line}: ${source} is excluded by .dockerignore, so docker build would not find it`);
      sourceHost = join(ctx.context, rel);
      filter = (path) => !ctx.ignored(relative(ctx.context, path));
    }
    if (!existsSync(sourceHost)) throw new Error(`${ctx.dockerfile}:${i.line}: COPY source ${source} does not exist`);
    if (statSync(sourceHost).isDirectory()) {
      // Docker copies a directory's contents into the destination.
      cpSync(sourceHost, destHost, { recursive: true, verbatimSymlinks: true, ...(filter ? { filter } : {}) });
    } else {
      const target = destIsDir || (existsSync(destHost) && statSync(destHost).isDirectory()) ? join(destHost, basename(sourceHost)) : destHost;
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(sourceHost, target);
    }
  }
}

/** The npm commands of a RUN (`--mount` flags dropped: the host's npm cache plays that part). */
function npmCommands(i: Instruction, where: string): string[][] {
  const { flags, rest } = splitFlags(i.args);
  const unknown = [...flags.keys()].filter((f) => f !== 'mount');
  if (unknown.length > 0) throw new Error(`${where}: RUN --${unknown.join(', --')} is not modelled`);
  return rest.split('&&').map((part) => {
    const command = part.trim();
    if (!/^npm(\s+[-\w@/=.:]+)+$/.test(command)) {
      throw new Error(`${where}: the replay runs only plain npm commands joined by &&, not: ${command}`);
    }
    return command.split(/\s+/);
  });
}

function run(command: string[], cwd: string, stageEnv: Record<string, string>, log?: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    // Like a RUN step: the image's environment, not the test runner's (no NODE_ENV=test, no
    // npm_config_* from an enclosing `npm test`). HOME keeps the user's npm config and cache;
    // prefer-offline makes the cache do what the BuildKit cache mount does in a real build.
    // Niced: installs and compiles are CPU-heavy, and other suites running beside this one have
    // tighter timeouts than these steps.
    const child = spawn('nice', ['-n', '10', ...command], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...stageEnv, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    const collect = (chunk: Buffer): void => {
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) log?.(line);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command.join(' ')} exited ${code} in ${cwd}:\n${tail}`)),
    );
  });
}
