import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CREATE_SECRETS_SCRIPT } from './paths';

/**
 * A stand-in for kubectl that understands the two commands the secrets script uses, and keeps
 * each Secret as a folder of files (one per key), the way a Secret volume looks in a pod.
 */
const FAKE_KUBECTL = `#!/usr/bin/env bash
set -euo pipefail
store="$FAKE_KUBECTL_STORE"
if [ "$1 $2" = "get secret" ]; then
  [ -d "$store/$3" ]
  exit
fi
if [ "$1 $2 $3" != "create secret generic" ]; then
  echo "fake kubectl: unsupported: $*" >&2
  exit 1
fi
name="$4"; shift 4
if [ -e "$store/$name" ]; then echo "Error from server (AlreadyExists): secrets \\"$name\\" already exists" >&2; exit 1; fi
mkdir -p "$store/$name"
for arg in "$@"; do
  case "$arg" in
    --from-literal=*) kv="\${arg#--from-literal=}"; printf '%s' "\${kv#*=}" > "$store/$name/\${kv%%=*}" ;;
    --from-file=*=*) kv="\${arg#--from-file=}"; cp "\${kv#*=}" "$store/$name/\${kv%%=*}" ;;
    --from-file=*) f="\${arg#--from-file=}"; cp "$f" "$store/$name/$(basename "$f")" ;;
    *) echo "fake kubectl: unsupported argument $arg" >&2; exit 1 ;;
  esac
done
echo "secret/$name created"
`;

/** The Secrets created so far, as files: `<dir>/<secret>/<key>`. */
export interface SecretStore {
  readonly dir: string;
  /** Secret name → key → value. */
  read(): Map<string, Map<string, string>>;
  /** Run infra/scripts/create-secrets.sh against this store; resolves with its output. */
  runScript(args?: string[]): Promise<{ code: number | null; output: string }>;
  /** Run shell commands (bash, -euo pipefail) against this store, in a scratch folder. */
  runCommands(commands: string): Promise<{ code: number | null; output: string }>;
  remove(): void;
}

/** A fresh, empty store with a fake kubectl on PATH for the secrets script. */
export function createSecretStore(): SecretStore {
  const base = mkdtempSync(join(tmpdir(), 'authbus-secrets-'));
  const bin = join(base, 'bin');
  const dir = join(base, 'secrets');
  mkdirSync(bin);
  mkdirSync(dir);
  writeFileSync(join(bin, 'kubectl'), FAKE_KUBECTL);
  chmodSync(join(bin, 'kubectl'), 0o755);
  const bash = (args: string[], cwd: string): Promise<{ code: number | null; output: string }> =>
    new Promise((resolve, reject) => {
      const child = spawn('bash', args, {
        cwd,
        env: { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? base, FAKE_KUBECTL_STORE: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      child.once('error', reject);
      child.once('exit', (code) => resolve({ code, output }));
    });
  return {
    dir,
    read() {
      const secrets = new Map<string, Map<string, string>>();
      for (const name of readdirSync(dir)) {
        secrets.set(name, new Map(readdirSync(join(dir, name)).map((key) => [key, readFileSync(join(dir, name, key), 'utf8')])));
      }
      return secrets;
    },
    runScript(args = []) {
      return bash([CREATE_SECRETS_SCRIPT, ...args], base);
    },
    runCommands(commands) {
      const scratch = mkdtempSync(join(base, 'cwd-'));
      return bash(['-euo', 'pipefail', '-c', commands], scratch);
    },
    remove() {
      rmSync(base, { recursive: true, force: true });
    },
  };
}
